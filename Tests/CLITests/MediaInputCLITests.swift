import Foundation
import Testing

/// `video(file:)` without ffmpeg: `dmm render` stops before rendering with a one-line error
/// at the file option, naming ffmpeg and how to install it (PATH is emptied for the child).
@Suite struct MediaInputCLITests {
    @Test func videoWithoutFFmpegIsAClearLoadError() throws {
        let dir = CLI.tempDir()
        let text = "size 16x16\nfps 24\nframes 2\n\nm: video(file: \"clip.mkv\")\nout: rgb\nout.r = m.r\n"
        #expect(FileManager.default.createFile(atPath: dir + "/p.dmm", contents: Data(text.utf8)))
        #expect(FileManager.default.createFile(atPath: dir + "/clip.mkv", contents: Data("x".utf8)))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["render", "p.dmm", "-o", "out", "-q"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.environment = ["PATH": dir + "/no-such-bin", "HOME": dir]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(e.contains("p.dmm:5:16") && e.contains("ffmpeg not found") && e.contains("apt-get install ffmpeg"), "\(e)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/frame_00001.png"))
    }
}
