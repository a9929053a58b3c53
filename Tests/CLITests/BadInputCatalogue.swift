import Testing
import Foundation

/// One bad or awkward input met through the real binary: the files a user has, the command they
/// type (and what they pipe in), and what they must see: the exit status, the first line of
/// stderr, and a working folder with no partial or temporary output left in it.
///
/// The catalogue is split by where the input comes from (`BadInputCatalogue+Patch.swift`,
/// `+Live.swift`, `+Output.swift`, …); each part is one parameterised test over its cases, all
/// checked by `check()` here, so every category is judged by the same rules.
struct BadInput: CustomTestStringConvertible, Sendable {
    /// Short name shown by the test runner.
    var name: String
    /// Files written into the fresh working folder before the run (name → bytes).
    var files: [String: [UInt8]] = [:]
    /// Arguments after `dmm`; `$DIR` is replaced by the working folder's path.
    var args: [String]
    /// Bytes piped to stdin (stdin is closed after them).
    var stdin: String? = nil
    /// The exit status the user must get.
    var status: Int32
    /// The first line of stderr must contain this (exact text where it matters).
    var message: String
    /// When true, the first stderr line must equal `message` exactly.
    var exact: Bool = false
    /// Paths (relative to the working folder) that must not exist afterwards.
    var absent: [String] = []
    /// Seconds before the run counts as a hang.
    var timeout: TimeInterval = 30
    /// Runs in the case's directory after `files` are written (FIFOs, symlinks).
    var setup: (@Sendable (String) -> Void)? = nil

    var testDescription: String { name }

    init(_ name: String, files: [String: String] = [:], rawFiles: [String: [UInt8]] = [:], args: [String],
         stdin: String? = nil, status: Int32, message: String, exact: Bool = false,
         absent: [String] = [], timeout: TimeInterval = 30, setup: (@Sendable (String) -> Void)? = nil) {
        self.setup = setup
        self.name = name
        var f = rawFiles
        for (k, v) in files { f[k] = Array(v.utf8) }
        self.files = f
        self.args = args
        self.stdin = stdin
        self.status = status
        self.message = message
        self.exact = exact
        self.absent = absent
        self.timeout = timeout
    }

    /// Runs the case and records every way it falls short.
    func check() throws {
        let dir = CLI.tempDir()
        for (name, bytes) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
        setup?(dir)
        let before = Set(Self.listing(dir))
        let r = try CLI.run(args.map { $0.replacingOccurrences(of: "$DIR", with: dir) }, cwd: dir, stdin: stdin, timeout: timeout)
        let first = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        #expect(r.status == status, "\(name): exit \(r.status), stderr: \(r.stderr.prefix(400))")
        if exact {
            #expect(first == message, "\(name)")
        } else {
            #expect(first.contains(message), "\(name): first stderr line was: \(first.prefix(300))")
        }
        #expect(r.status < 128, "\(name): killed by a signal")
        #expect(!r.stderr.contains("\0"), "\(name): raw NUL on stderr")
        #expect(!first.isEmpty || status == 0, "\(name): a failure must say why on its first line")
        for p in absent {
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + p), "\(name): \(p) was written")
        }
        let after = Self.listing(dir)
        let leftovers = after.filter { !before.contains($0) && $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "\(name): temporary files left: \(leftovers)")
    }

    /// Every path under `dir`, relative to it.
    static func listing(_ dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
    }
}

/// A small valid visual patch and a small valid audio patch for cases that need one.
enum Fixture {
    static let visual = """
    size 16x16
    fps 10
    frames 3
    t: clock
    x: coord.x
    s: sin
    out: rgb
    s.x = 3 x
    s.b = t
    out.r = s
    out.g = 0.5 s
    out.b = -s

    """
    static let audio = """
    rate 8000
    block 64
    seconds 0.1
    o: osc.sine
    out: audio.out
    o.freq = 220
    out.left = 0.5 o
    out.right = 0.5 o

    """
}
