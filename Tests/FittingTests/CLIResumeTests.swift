import DMMCore
import Fitting
import Foundation
import MediaIO
import Testing

/// `dmm fit` through the binary: Ctrl-C (SIGINT) saves a checkpoint and exits 130, and
/// `--resume` writes the same patch as an uninterrupted run. Fails (does not skip) when the
/// `dmm` binary was not built beside the test bundle.
@Suite struct CLIResumeTests {
    static var binary: String? {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        for candidate in [dir + "/dmm", dir + "/../dmm"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return nil
    }

    @discardableResult
    static func run(_ args: [String], interruptAfter: Double? = nil) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary!)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        if let t = interruptAfter {
            Thread.sleep(forTimeInterval: t)
            if p.isRunning { kill(p.processIdentifier, SIGINT) }
        }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus != 0 && p.terminationStatus != 130 { Issue.record("dmm \(args.joined(separator: " ")): \(text)") }
        return p.terminationStatus
    }

    @Test func ctrlCSavesAndResumeMatches() throws {
        try #require(Self.binary != nil, "the dmm binary was not found beside the test bundle (\(CommandLine.arguments[0]))")
        let dir = NSTemporaryDirectory() + "dmm-fit-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/frames", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let truth = try TestPatches.network(TestPatches.small)
        let targets = try renderTargets(truth, frames: 4)
        for f in 0..<4 { try PNGCodec.write(targets.image(frame: f), to: dir + "/frames/f\(f + 1).png") }
        #expect(try Self.run(["template", "cppn", "--neurons", "6", "--size", "32x32", "--frames", "4", "-o", dir + "/t.dmm"]) == 0)
        let common = ["fit", dir + "/t.dmm", "--target", dir + "/frames", "--steps", "12000", "--restarts", "2", "--quiet"]
        #expect(try Self.run(common + ["-o", dir + "/a.dmm"]) == 0)
        let status = try Self.run(common + ["-o", dir + "/b.dmm"], interruptAfter: 0.5)
        #expect(status == 130)
        #expect(FileManager.default.fileExists(atPath: dir + "/b-checkpoint.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/b.dmm"))
        #expect(try Self.run(common + ["-o", dir + "/b.dmm", "--resume"]) == 0)
        let a = try String(contentsOfFile: dir + "/a.dmm", encoding: .utf8)
        let b = try String(contentsOfFile: dir + "/b.dmm", encoding: .utf8)
        #expect(a == b)
    }
}
