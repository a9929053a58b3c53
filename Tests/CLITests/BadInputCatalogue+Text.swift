import Testing
import Foundation

/// Catalogue part: patch text and the numbers in it (headers, options, weights, V-values),
/// its encodings and line ends, and the command-line options that override patch headers.
/// Awkward but valid text (BOM, CRLF, CR, tabs, no final newline, non-ASCII comments) must
/// render quietly; everything else must fail on its first line, at file:line:col.
extension BadInput {
    static let megabyteName = String(repeating: "a", count: 1 << 20)
    static let deepDelta = String(repeating: "{a:", count: 60_000)

    static let text: [BadInput] = [
        // Numbers past what the conversion can hold, in every kind option.
        BadInput("edit at 2^63", files: ["p.dmm": "t: clock\nout: rgb\nout.r = t\ne: edit(at: 9223372036854775808)\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:4:13: error: edit: 'at' must be a whole number from -1000000000000 to 1000000000000 (ticks), not 9.223372036854776e+18",
                 exact: true, absent: ["renders"]),
        BadInput("edit at -1e300 (fmt)", files: ["p.dmm": "e: edit(at: -1e300)\n"], args: ["fmt", "p.dmm"], status: 1,
                 message: "p.dmm:1:13: error: edit: 'at' must be a whole number from -1000000000000 to 1000000000000 (ticks), not -1e+300",
                 exact: true),
        BadInput("edit every 1e19 (inspect)", files: ["p.dmm": "e: edit(at: 3, every: 1e19)\n"], args: ["inspect", "p.dmm"], status: 1,
                 message: "p.dmm:1:23: error: edit: 'every' must be a whole number from 0 to 1000000000000 (ticks), not 1e+19",
                 exact: true),
        BadInput("edit delta nested 60000 deep", files: ["p.dmm": "e: edit(delta: \"" + deepDelta + "\")\n"],
                 args: ["fmt", "p.dmm"], status: 1,
                 message: "p.dmm:1:209: error: edit: 'delta': V-value nested deeper than 64 levels at character 193",
                 exact: true, timeout: 10),
        BadInput("clip lo beyond Float", files: ["p.dmm": "c: clip(lo: -1e39)\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:13: error: clip: 'lo' must be a finite number of at most ±3.4e38, not -1e+39",
                 exact: true, absent: ["renders"]),
        BadInput("clock rate 1e300", files: ["p.dmm": "c: clock(rate: 1e300)\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:16: error: clock: 'rate' must be from -1000000 to 1000000 times real time, not 1e+300",
                 exact: true, absent: ["renders"]),
        BadInput("delay max 1e300", files: ["p.dmm": "d: delay(max: 1e300)\n"], args: ["synth", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:15: error: delay: 'max' must be above 0 and at most 60 seconds, not 1e+300",
                 exact: true, absent: ["p.wav"]),
        BadInput("breakpoint time 1e300", files: ["p.dmm": "e: env.breakpoints(points: \"0 0, 1e300 1\")\n"],
                 args: ["synth", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:34: error: env.breakpoints: 'points' times must be from 0 to 86400 seconds, not 1e+300",
                 exact: true, absent: ["p.wav"]),
        BadInput("breakpoint loop 2", files: ["p.dmm": "e: env.breakpoints(loop: 2)\n"], args: ["synth", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:26: error: env.breakpoints: 'loop' must be a whole number from 0 to 1, not 2",
                 exact: true, absent: ["p.wav"]),
        // Weights must be finite Floats, alone and summed.
        BadInput("weight 1e39", files: ["p.dmm": "t: clock\nx: coord.x\nout: rgb\nout.r = 1e39 x\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:4:9: error: weight 1e39 is out of range: weights must be finite, at most ±3.4e38",
                 exact: true, absent: ["renders"]),
        BadInput("weight 1e39 (fmt -i)", files: ["p.dmm": "t: clock\nx: coord.x\nout: rgb\nout.r = 1e39 x\n"],
                 args: ["fmt", "-i", "p.dmm"], status: 1,
                 message: "p.dmm:4:9: error: weight 1e39 is out of range: weights must be finite, at most ±3.4e38", exact: true),
        BadInput("weights summing past Float", files: ["p.dmm": "t: clock\nout: rgb\nout.r = 3e38 t + 3e38 t\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:23: error: the weights from 't' into 'out.r' add up to 6e+38, out of range: weights must be finite, at most ±3.4e38",
                 exact: true, absent: ["renders"]),
        // Headers, alone and together.
        BadInput("frames 1e20", files: ["p.dmm": "frames 1e20\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:8: error: 'frames' must be a whole number from 1 to 10000000, not '1e20'", exact: true,
                 absent: ["renders"]),
        BadInput("fps nan", files: ["p.dmm": "fps nan\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:5: error: 'fps' must be a number above 0.0 and at most 1000.0, not 'nan'", exact: true,
                 absent: ["renders"]),
        BadInput("header value with an escape sequence", files: ["p.dmm": "fps \u{1B}[2J\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:5: error: 'fps' must be a number above 0.0 and at most 1000.0, not '␛[2J'", exact: true,
                 absent: ["renders"]),
        BadInput("seed -1", files: ["p.dmm": "seed -1\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:6: error: 'seed' must be a whole number from 0 to 18446744073709551615, not '-1'", exact: true,
                 absent: ["renders"]),
        BadInput("size 100000x100000", files: ["p.dmm": "size 100000x100000\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:1:6: error: 'size' must be WIDTHxHEIGHT with each side from 1 to 16384, not '100000x100000'",
                 exact: true, absent: ["renders"]),
        BadInput("fps 0.00001 with seconds: no frames",
                 files: ["p.dmm": "size 16x16\nfps 0.00001\nseconds 1\nt: clock\nout: rgb\nout.r = t\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:9: error: 'seconds 1' at 'fps 1e-05' is 0 frames; a render has 1 to 10000000 frames",
                 exact: true, absent: ["renders"]),
        BadInput("fps 0.00001 with sound: gigabyte blocks",
                 files: ["p.dmm": "size 16x16\nfps 0.00001\nframes 2\nt: clock\no: osc.sine\nout: rgb\na: audio.out\nout.r = t\na.left = o\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:2:5: error: 'fps 1e-05' at 'rate 48000' is 4800000000 audio samples per frame; at most 1048576 (fps at least 0.0458)",
                 exact: true, absent: ["renders"]),
        BadInput("frames at fps 0.00001: a 139-day sound",
                 files: ["p.dmm": "rate 8000\nfps 0.00001\nframes 120\no: osc.sine\na: audio.out\na.left = o\n"],
                 args: ["synth", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:8: error: 'frames 120' at 'fps 1e-05' last 12000000 seconds; a patch lasts at most 86400 seconds",
                 exact: true, absent: ["p.wav"]),
        // Text that cannot be shown as it is.
        BadInput("NUL in a row", files: ["p.dmm": "t: clock\nout: rgb\nout.r = t \u{0}\n"], args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:11: error: unexpected '␀' in a row", exact: true, absent: ["renders"]),
        BadInput("a megabyte name", files: ["p.dmm": "t: clock\nout: rgb\nout.r = " + megabyteName + "\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:9: error: unknown neuron '" + String(repeating: "a", count: 19) + "…" + String(repeating: "a", count: 20) + "'",
                 exact: true, absent: ["renders"]),
        BadInput("invalid UTF-8 in a comment", rawFiles: ["p.dmm": Array("t: clock\n# caf".utf8) + [0xFF] + Array("\nout: rgb\n".utf8)],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:2:6: error: patch is not UTF-8 text: invalid byte 0xFF", exact: true, absent: ["renders"]),
        BadInput("CRLF patch with an error on line 3", files: ["p.dmm": "t: clock\r\nout: rgb\r\nout.r = t + q\r\n"],
                 args: ["render", "p.dmm", "-q"], status: 1,
                 message: "p.dmm:3:13: error: unknown neuron 'q'", exact: true, absent: ["renders"]),
        // Awkward but valid: renders, and -q prints nothing.
        BadInput("BOM", files: ["p.dmm": "\u{FEFF}" + Fixture.visual], args: ["render", "p.dmm", "-q"], status: 0, message: "", exact: true),
        BadInput("CRLF", files: ["p.dmm": Fixture.visual.replacingOccurrences(of: "\n", with: "\r\n")],
                 args: ["render", "p.dmm", "-q"], status: 0, message: "", exact: true),
        BadInput("CR only", files: ["p.dmm": Fixture.visual.replacingOccurrences(of: "\n", with: "\r")],
                 args: ["render", "p.dmm", "-q"], status: 0, message: "", exact: true),
        BadInput("tabs, no final newline, non-ASCII comment",
                 files: ["p.dmm": "# Plasma — 日本語 🎨\n" + String(Fixture.visual.replacingOccurrences(of: " ", with: "\t").dropLast())],
                 args: ["render", "p.dmm", "-q"], status: 0, message: "", exact: true),
        BadInput("BOM + CRLF audio", files: ["p.dmm": "\u{FEFF}" + Fixture.audio.replacingOccurrences(of: "\n", with: "\r\n")],
                 args: ["synth", "p.dmm", "-q"], status: 0, message: "", exact: true),
        // Command-line overrides obey the header limits.
        BadInput("--size 100000x100000", files: ["p.dmm": Fixture.visual], args: ["render", "p.dmm", "--size", "100000x100000"], status: 64,
                 message: "--size must be WIDTHxHEIGHT with each side from 1 to 16384, not '100000x100000'", absent: ["renders"]),
        BadInput("--size 16x16x", files: ["p.dmm": Fixture.visual], args: ["render", "p.dmm", "--size", "16x16x"], status: 64,
                 message: "--size must be WIDTHxHEIGHT with each side from 1 to 16384, not '16x16x'", absent: ["renders"]),
        BadInput("--frames 100000000", files: ["p.dmm": Fixture.visual], args: ["render", "p.dmm", "--frames", "100000000"], status: 64,
                 message: "--frames must be a whole number from 1 to 10000000, not '100000000'", absent: ["renders"]),
        BadInput("--seconds nan", files: ["p.dmm": Fixture.audio], args: ["synth", "p.dmm", "--seconds", "nan"], status: 64,
                 message: "--seconds must be a number above 0.0 and at most 86400.0, not 'nan'", absent: ["p.wav"]),
        BadInput("--rate 100", files: ["p.dmm": Fixture.audio], args: ["synth", "p.dmm", "--rate", "100"], status: 64,
                 message: "--rate must be a whole number from 1000 to 768000, not '100'", absent: ["p.wav"]),
        BadInput("--block 0", files: ["p.dmm": Fixture.audio], args: ["synth", "p.dmm", "--block", "0"], status: 64,
                 message: "--block must be a whole number from 1 to 65536, not '0'", absent: ["p.wav"]),
        BadInput("template --fps 0", args: ["template", "cppn", "--fps", "0", "-o", "t.dmm"], status: 64,
                 message: "--fps must be a number above 0.0 and at most 1000.0, not '0.0'", absent: ["t.dmm"]),
        BadInput("template --neurons 100000", args: ["template", "cppn", "--neurons", "100000", "-o", "t.dmm"], status: 64,
                 message: "--neurons must be a whole number from 1 to 1024, not '100000'", absent: ["t.dmm"]),
        BadInput("template --frames 0", args: ["template", "cppn", "--frames", "0", "-o", "t.dmm"], status: 64,
                 message: "--frames must be a whole number from 1 to 10000000, not '0'", absent: ["t.dmm"]),
        BadInput("fit --lr inf", files: ["p.dmm": Fixture.visual], args: ["fit", "p.dmm", "--target", "t", "--lr", "inf"], status: 64,
                 message: "--lr must be a finite number above 0, not 'inf'", absent: ["p-fitted.dmm"]),
    ]
}

@Suite struct BadInputTextTests {
    @Test(arguments: BadInput.text) func refused(_ c: BadInput) throws { try c.check() }

    /// `fmt -i` on a patch it cannot read leaves the file byte for byte as it was.
    @Test func fmtInPlaceNeverDestroysAPatch() throws {
        let dir = CLI.tempDir()
        let text = "t: clock\r\nout: rgb\r\nout.r = 1e39 t  # too big\r\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/p.dmm"))
        let r = try CLI.run(["fmt", "-i", "p.dmm"], cwd: dir)
        #expect(r.status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/p.dmm")) == Data(text.utf8))
    }

    /// `fmt` of a CRLF patch with a BOM prints clean LF text that reads back to itself.
    @Test func fmtNormalisesLineEnds() throws {
        let dir = CLI.tempDir()
        try Data(("\u{FEFF}" + Fixture.visual.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
            .write(to: URL(fileURLWithPath: dir + "/p.dmm"))
        let r = try CLI.run(["fmt", "p.dmm"], cwd: dir)
        #expect(r.status == 0)
        #expect(!r.stdout.contains("\r") && !r.stdout.hasPrefix("\u{FEFF}"))
        #expect(r.stdout.contains("out.g = 0.5 s\n"))
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: dir + "/q.dmm"))
        #expect(try CLI.run(["fmt", "q.dmm"], cwd: dir).stdout == r.stdout)
    }

    /// A multi-megabyte error line prints as three short lines: message, excerpt, caret.
    @Test func hugeLinesPrintShortErrors() throws {
        let dir = CLI.tempDir()
        let text = "t: clock\nout: rgb\nout.r = t " + String(repeating: "+ t ", count: 300_000) + "$\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/p.dmm"))
        let r = try CLI.run(["render", "p.dmm", "-q"], cwd: dir)
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count <= 130 }, "\(lines.map(\.count))")
        if lines.count == 3, let caret = lines[2].firstIndex(of: "^") {
            let k = lines[2].distance(from: lines[2].startIndex, to: caret)
            #expect(Array(lines[1])[k] == "$", "caret under the bad character")
        }
    }
}
