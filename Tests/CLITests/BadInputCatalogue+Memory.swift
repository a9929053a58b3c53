import Testing
import Foundation

/// Catalogue part: inputs whose every value is in range but which together ask for more memory
/// than the machine has. Each is refused before the allocation, with the amount needed.
extension BadInput {
    /// A PNG whose header claims `width`×`height` (nothing after the header: a decoder would
    /// fail later, so a refusal must come from the header alone).
    static func pngHeader(_ width: Int, _ height: Int) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xff) } }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8)
            + be32(width) + be32(height) + [8, 2, 0, 0, 0] + [0, 0, 0, 0]
    }

    /// A 16384×16384 patch with `n` sin neurons: 16384² × 4 bytes × 2 strokes × n fields.
    static func hugePatch(_ n: Int) -> String {
        var s = "size 16384x16384\nframes 2\nx: coord.x\nout: rgb\n"
        for i in 0..<n { s += "s\(i): sin\ns\(i).x = x\n" }
        return s + "out.r = s0\nout.g = s1\nout.b = s2\n"
    }

    static let memory: [BadInput] = [
        BadInput("render that needs 200 GB", files: ["big.dmm": hugePatch(100)], args: ["render", "big.dmm", "-o", "f", "-q"],
                 status: 1, message: "GB of memory but this machine has", absent: ["f"]),
        BadInput("synth of a huge visual patch with sound", files: ["big.dmm": hugePatch(100) + "o: osc.sine\na: audio.out\na.left = o\n"],
                 args: ["synth", "big.dmm", "-o", "a.wav", "-q", "--seconds", "0.1"],
                 status: 1, message: "of memory but this machine has", absent: ["a.wav"]),
        BadInput("live of a patch that needs 200 GB", files: ["big.dmm": hugePatch(100)], args: ["live", "big.dmm", "--no-audio", "--frames", "2", "--latest", "l.png"],
                 status: 1, message: "of memory but this machine has"),
        BadInput("fit target 30000×30000 (header only)", files: ["p.dmm": Fixture.visual], rawFiles: ["t/f1.png": pngHeader(30_000, 30_000)],
                 args: ["fit", "p.dmm", "--target", "t", "--steps", "2", "-q", "-o", "fit.dmm"],
                 status: 1, message: "t/f1.png: a 30000×30000 target is past the limit of 16384 pixels a side",
                 absent: ["fit.dmm", "fit-checkpoint.json"]),
        BadInput("fit targets that need 380 GB", files: ["p.dmm": Fixture.visual],
                 rawFiles: Dictionary(uniqueKeysWithValues: (1...100).map { (String(format: "t/f%03d.png", $0), pngHeader(16_000, 16_000)) }),
                 args: ["fit", "p.dmm", "--target", "t", "--steps", "2", "--resize", "-q", "-o", "fit.dmm"],
                 status: 1, message: "loading 100 target frames needs about", absent: ["fit.dmm"]),
        BadInput("fit target that is not a PNG", files: ["p.dmm": Fixture.visual, "t/f1.png": "hello"],
                 args: ["fit", "p.dmm", "--target", "t", "--steps", "2", "-q", "-o", "fit.dmm"],
                 status: 1, message: "t/f1.png", absent: ["fit.dmm"]),
    ]
}

@Suite struct BadInputMemoryTests {
    @Test(arguments: BadInput.memory) func refused(_ c: BadInput) throws { try c.check() }
}
