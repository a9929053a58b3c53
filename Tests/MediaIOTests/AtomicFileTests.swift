import Foundation
import MediaIO
import Testing

@Suite("Atomic file writes")
struct AtomicFileTests {
    @Test("writes, replaces, and leaves no temporary file")
    func writeAndReplace() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("data.bin")
        try AtomicFile.write([1, 2, 3], to: path)
        #expect(Fixtures.bytes(of: path) == [1, 2, 3])
        try AtomicFile.write(Array(repeating: 7, count: 100_000)[...], to: path, durable: true)
        #expect(Fixtures.bytes(of: path).count == 100_000)
        try AtomicFile.write(Array("héllo".utf8), to: path)  // non-array collection
        #expect(Fixtures.bytes(of: path) == Array("héllo".utf8))
        #expect(directory.contents() == ["data.bin"])
    }

    @Test("temporary path is a same-directory sibling tagged with the pid")
    func temporaryPath() {
        #expect(AtomicFile.temporaryPath(for: "out/a.png") == "out/a.png.tmp-\(getpid())")
    }

    @Test("writing into a missing directory throws and creates nothing")
    func missingDirectory() {
        let directory = TemporaryDirectory()
        let path = directory.file("missing/sub/file.bin")
        #expect {
            try AtomicFile.write([1], to: path)
        } throws: { error in
            (error as? MediaError)?.message.hasPrefix(path + ": ") == true
        }
        #expect(directory.contents().isEmpty)
    }

    @Test("a failed rename removes the temporary file and keeps the destination")
    func failedRenameCleansUp() throws {
        let directory = TemporaryDirectory()
        let target = directory.file("occupied")
        try AtomicFile.makeDirectories(target + "/child")  // non-empty directory: rename fails
        #expect(throws: MediaError.self) { try AtomicFile.write([9, 9], to: target) }
        #expect(directory.contents() == ["occupied"])
        #expect(FileManager.default.fileExists(atPath: target + "/child"))
    }

    @Test("makeDirectories creates nested paths, is idempotent, and reports files in the way")
    func makeDirectories() throws {
        let directory = TemporaryDirectory()
        let nested = directory.file("a/b/c")
        try AtomicFile.makeDirectories(nested)
        try AtomicFile.makeDirectories(nested)
        try AtomicFile.makeDirectories(nested + "/")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)

        try AtomicFile.write([0], to: directory.file("plain"))
        #expect(throws: MediaError.self) {
            try AtomicFile.makeDirectories(directory.file("plain/sub"))
        }
        #expect(throws: MediaError.self) { try AtomicFile.makeDirectories(directory.file("plain")) }
    }
}
