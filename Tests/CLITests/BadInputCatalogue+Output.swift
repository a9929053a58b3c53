import Testing
import Foundation

/// Catalogue part [kernels]: output paths and extensions, `--on-nan`, patches whose numbers
/// run away (huge, infinite or NaN values reaching kernels). Paths under `$DIR` that must not
/// be replaced (a FIFO, a symlink to /dev/null) are made by `OutputFixtures.prepare`.
extension BadInput {
    /// A patch whose accumulator doubles every tick: inf at tick 79 at 8 kHz / block 64.
    static let runaway = """
    rate 8000
    block 64
    seconds 2
    acc: accum
    sn: osc.sine
    out: audio.out
    acc.x = 2 acc + 1
    sn.freq = acc
    out.left = 0.5 sn

    """

    static let output: [BadInput] = [
        BadInput("synth -o mp3", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "-o", "seq.mp3"], status: 64,
                 message: "Error: --output 'seq.mp3': unknown extension '.mp3'; dmm synth writes .wav, .wave, .flac, .ogg, .oga",
                 exact: true, absent: ["seq.mp3"]),
        BadInput("synth -o xyz", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "-o", "x.xyz"], status: 64,
                 message: "--output 'x.xyz': unknown extension '.xyz'", absent: ["x.xyz"]),
        BadInput("synth -o without extension", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "-o", "take1"],
                 status: 64, message: "--output 'take1' has no extension", absent: ["take1"]),
        BadInput("synth -o empty", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "-o", ""], status: 64,
                 message: "Error: --output must not be empty", exact: true),
        BadInput("synth --format disagrees with -o", files: ["a.dmm": Fixture.audio],
                 args: ["synth", "a.dmm", "-q", "--format", "flac", "-o", "x.wav"], status: 64,
                 message: "Error: --format flac writes .flac files, not 'x.wav'", exact: true, absent: ["x.wav"]),
        BadInput("synth spectrogram not png", files: ["a.dmm": Fixture.audio],
                 args: ["synth", "a.dmm", "-q", "--spectrogram", "s.jpg"], status: 64,
                 message: "--spectrogram 's.jpg': unknown extension '.jpg'; it writes .png", absent: ["s.jpg", "a.wav"]),
        BadInput("synth into a directory", files: ["a.dmm": Fixture.audio, "d.wav/keep": "x"],
                 args: ["synth", "a.dmm", "-q", "-o", "d.wav"], status: 1,
                 message: "error: d.wav: is a directory; give a file name", exact: true),
        BadInput("synth over a FIFO", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "-o", "$DIR/fifo.wav"],
                 status: 1, message: "fifo.wav: refusing to replace a FIFO (only regular files are written)", setup: OutputFixtures.prepare),
        BadInput("synth over a symlink to /dev/null", files: ["a.dmm": Fixture.audio],
                 args: ["synth", "a.dmm", "-q", "-o", "$DIR/null.wav"], status: 1,
                 message: "null.wav: refusing to replace a device (only regular files are written)", setup: OutputFixtures.prepare),
        BadInput("spectrogram over a FIFO is refused before the render", files: ["a.dmm": Fixture.audio],
                 args: ["synth", "a.dmm", "-q", "--spectrogram", "$DIR/fifo.png"], status: 1,
                 message: "fifo.png: refusing to replace a FIFO (only regular files are written)", absent: ["a.wav"],
                 setup: { _ = mkfifo($0 + "/fifo.png", 0o644) }),
        BadInput("synth into a missing folder", files: ["a.dmm": Fixture.audio],
                 args: ["synth", "a.dmm", "-q", "-o", "no/such/x.wav"], status: 1,
                 message: "error: no/such/x.wav: cannot create audio file: System error : No such file or directory.", exact: true,
                 absent: ["no"]),
        BadInput("render -o empty", files: ["v.dmm": Fixture.visual], args: ["render", "v.dmm", "-q", "-o", ""], status: 64,
                 message: "Error: --output must not be empty", exact: true, absent: ["renders"]),
        BadInput("render into a file", files: ["v.dmm": Fixture.visual, "taken": "x"],
                 args: ["render", "v.dmm", "-q", "-o", "taken"], status: 1,
                 message: "error: taken: cannot create directory: a file with that name exists", exact: true),
        BadInput("render contact sheet jpg", files: ["v.dmm": Fixture.visual],
                 args: ["render", "v.dmm", "-q", "--contact-sheet", "c.jpg"], status: 64,
                 message: "--contact-sheet 'c.jpg': unknown extension '.jpg'; it writes .png", absent: ["renders", "c.jpg"]),
        BadInput("render --on-nan unknown", files: ["v.dmm": Fixture.visual], args: ["render", "v.dmm", "-q", "--on-nan", "ignore"],
                 status: 64, message: "Error: --on-nan must be one of stop, clip, zero, got 'ignore'", exact: true, absent: ["renders"]),
        BadInput("synth --on-nan empty", files: ["a.dmm": Fixture.audio], args: ["synth", "a.dmm", "-q", "--on-nan", ""],
                 status: 64, message: "--on-nan must be one of stop, clip, zero", absent: ["a.wav"]),
        BadInput("inspect --dot png", files: ["a.dmm": Fixture.audio], args: ["inspect", "a.dmm", "--dot", "g.png"], status: 64,
                 message: "--dot 'g.png': unknown extension '.png'", absent: ["g.png"]),
        BadInput("template -o txt", args: ["template", "cppn", "-o", "t.txt"], status: 64,
                 message: "--output 't.txt': unknown extension '.txt'; it writes a patch: .dmm", absent: ["t.txt"]),
        BadInput("fmt -i of a directory",
                 files: ["p.dmm/x": "x"], args: ["fmt", "-i", "p.dmm"], status: 1, message: "p.dmm"),
        BadInput("runaway accumulator stops naming the neuron", files: ["r.dmm": runaway], args: ["synth", "r.dmm", "-q"],
                 status: 1, message: "error: neuron 'acc' (accum) produced inf at tick 79 (0.63 s); --on-nan clip or zero to go on",
                 exact: true, absent: ["r.wav"]),
        BadInput("runaway in a visual patch", files: ["v.dmm": "size 8x8\nfps 10\nframes 300\nacc: accum\nout: rgb\nacc.x = 3 acc + 1\nout.r = acc\n"],
                 args: ["render", "v.dmm", "-q", "-o", "fr"], status: 1,
                 message: "error: neuron 'acc' (accum) produced inf at tick 63 (6.30 s); --on-nan clip or zero to go on", exact: true),
        BadInput("a squared runaway names the mul, not its source", files: ["n.dmm": """
            rate 8000
            block 64
            seconds 1
            acc: accum
            z: mul
            o: osc.sine
            out: audio.out
            acc.x = 4 acc + 1
            z.a = acc
            z.b = acc
            o.freq = z
            out.left = 0.5 o

            """], args: ["synth", "n.dmm", "-q"], status: 1,
                 message: "error: neuron 'z' (mul) produced inf at tick 26 (0.21 s); --on-nan clip or zero to go on", exact: true,
                 absent: ["n.wav"]),
        BadInput("fm.op with huge pm and fb renders", files: ["f.dmm": "rate 8000\nblock 64\nseconds 0.2\no: fm.op\nout: audio.out\no.freq = 220\no.pm = 1e10\no.fb = 1e30\nout.left = 0.5 o\n"],
                 args: ["synth", "f.dmm", "-q"], status: 0, message: "", exact: true),
        BadInput("delay with a runaway time renders", files: ["d.dmm": "rate 8000\nblock 64\nseconds 2\nacc: accum\nn: noise.white\nd: delay\nout: audio.out\nacc.x = 2 acc + 1\nd.in = n\nd.time = acc\nout.left = 0.5 d\n"],
                 args: ["synth", "d.dmm", "-q", "--on-nan", "zero"], status: 0,
                 message: "warning: neuron 'acc' (accum) produced inf at tick"),
        BadInput("a field that overflows names the field neuron", files: ["f.dmm": "size 16x16\nfps 10\nframes 300\nacc: accum\nx: coord.x\nm: mul\nout: rgb\nacc.x = 3 acc + 1\nm.a = 1e30 x\nm.b = acc\nout.r = m\n"],
                 args: ["render", "f.dmm", "-q", "-o", "fr"], status: 1,
                 message: "error: neuron 'm' (mul) produced -inf at tick 14 (1.40 s); --on-nan clip or zero to go on", exact: true),
        BadInput("live refuses --on-nan stop", files: ["a.dmm": Fixture.audio], args: ["live", "a.dmm", "--on-nan", "stop"], status: 64,
                 message: "Error: --on-nan stop would end the show: dmm live takes clip or zero", exact: true),
        BadInput("clipping in a render's audio.wav is a warning too", files: ["av.dmm": "size 8x8\nfps 10\nframes 5\nrate 8000\nt: clock\nout: rgb\nout.r = t\no: osc.sine\nsnd: audio.out\no.freq = 220\nsnd.left = 3 o\n"],
                 args: ["render", "av.dmm", "-q", "-o", "avr"], status: 0,
                 message: "warning: avr/audio.wav: 6280 samples beyond full scale were clipped, first at 0.0 s; lower the level", exact: true),
        BadInput("clipping is a warning that -q keeps", files: ["l.dmm": "rate 8000\nblock 64\nseconds 0.5\no: osc.sine\nout: audio.out\no.freq = 220\nout.left = 3 o\n"],
                 args: ["synth", "l.dmm", "-q"], status: 0,
                 message: "warning: 3140 samples beyond full scale were clipped, first at 0.0 s (peak 9.5 dBFS); lower the level or use --format float",
                 exact: true),
    ]
}

/// Makes the special files the output cases write at: a FIFO and a symlink to /dev/null.
enum OutputFixtures {
    static func prepare(_ dir: String) {
        _ = mkfifo(dir + "/fifo.wav", 0o644)
        _ = symlink("/dev/null", dir + "/null.wav")
    }
}

@Suite struct BadInputOutputTests {
    @Test(arguments: BadInput.output) func refused(_ c: BadInput) throws { try c.check() }
}
