import Testing
import Foundation

/// Catalogue part: the command line itself (missing files, options out of range). Other parts
/// live beside this file, one per source of input.
extension BadInput {
    static let basics: [BadInput] = [
        BadInput("missing patch", args: ["render", "nope.dmm", "-q"], status: 1,
                 message: "nope.dmm: error: cannot read patch: No such file or directory", exact: true,
                 absent: ["renders"]),
        BadInput("frames 0", files: ["p.dmm": Fixture.visual], args: ["render", "p.dmm", "--frames", "0"], status: 64,
                 message: "--frames must be a whole number from 1 to 10000000, not '0'", absent: ["renders"]),
        BadInput("unknown neuron in a row", files: ["bad.dmm": "t: clock\nout: rgb\nout.r = t + s9\n"],
                 args: ["render", "bad.dmm", "-q"], status: 1,
                 message: "bad.dmm:3:13: error: unknown neuron 's9'", exact: true, absent: ["renders"]),
    ]
}

@Suite struct BadInputBasicsTests {
    @Test(arguments: BadInput.basics) func refused(_ c: BadInput) throws { try c.check() }
}
