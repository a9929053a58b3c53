import Foundation
import MediaIO
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the README-claim tests: files in a working folder, samples and pictures read
/// back from what the binary wrote, a run on a pseudo-terminal, and plain spectral estimates.
enum Claims {
    /// Writes `text` to `dir/name` and returns the path.
    @discardableResult
    static func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The bytes of a file (empty when missing, so a comparison fails instead of throwing).
    static func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    /// Runs `dmm args` in `dir` and records a failure (with stderr) unless it exits 0.
    @discardableResult
    static func ok(_ args: [String], in dir: String, timeout: TimeInterval = 120,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let r = try CLI.run(args, cwd: dir, timeout: timeout)
        #expect(r.status == 0, "dmm \(args.joined(separator: " ")): exit \(r.status): \(r.stderr.prefix(600))",
                sourceLocation: sourceLocation)
        return r
    }

    /// The left channel (or the only one) of an audio file.
    static func left(_ path: String) throws -> [Float] {
        let a = try AudioFileWriter.read(path: path)
        return a.channels == 1 ? a.samples : stride(from: 0, to: a.samples.count, by: a.channels).map { a.samples[$0] }
    }

    /// The PNG frames `frame_00001.png …` of a folder, decoded.
    static func frames(_ dir: String, count: Int) throws -> [RGBImage] {
        try (1...count).map { try PNGCodec.read(path: dir + String(format: "/frame_%05d.png", $0)) }
    }

    /// The first frame (1-based) at which two folders of frames differ, nil when none does.
    static func firstDifference(_ a: String, _ b: String, count: Int) throws -> Int? {
        for f in 1...count where try PNGCodec.read(path: a + String(format: "/frame_%05d.png", f)).pixels
            != PNGCodec.read(path: b + String(format: "/frame_%05d.png", f)).pixels { return f }
        return nil
    }

    static func rms(_ x: ArraySlice<Float>) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))).squareRoot()
    }

    /// The frequency of the strongest spectral peak above DC, refined between bins by a
    /// parabola through the log magnitudes of the peak bin and its neighbours (Hann window:
    /// the bias of that estimate is a few hundredths of a bin).
    static func peakFrequency(_ x: ArraySlice<Float>, rate: Int, fftSize: Int) -> Double {
        let s = Spectrogram.magnitudeSpectrum(x, fftSize: fftSize)
        var k = 1
        for i in 1..<(s.count - 1) where s[i] > s[k] { k = i }
        let a = log(Double(max(s[k - 1], 1e-20))), b = log(Double(s[k])), c = log(Double(max(s[k + 1], 1e-20)))
        let offset = (a - 2 * b + c) == 0 ? 0 : 0.5 * (a - c) / (a - 2 * b + c)
        return (Double(k) + offset) * Double(rate) / Double(fftSize)
    }

    /// Runs `dmm args` with stdin, stdout and stderr on a pseudo-terminal (what a user at a
    /// terminal has) and returns the exit status and everything the binary wrote to it.
    static func onTerminal(_ args: [String], cwd: String, timeout: TimeInterval = 60) throws -> (status: Int32, output: String) {
        // Linux's pty multiplexer: unlock the new pair and ask for its number (TIOCSPTLCK,
        // TIOCGPTN: posix_openpt and ptsname are not visible to Swift through Glibc).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0, "cannot open /dev/ptmx")
        defer { close(master) }
        var unlock: Int32 = 0, number: UInt32 = 0
        try #require(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0, "cannot unlock the pty")
        let name = "/dev/pts/\(number)"
        let slave = open(name, O_RDWR | O_NOCTTY)
        try #require(slave >= 0, "cannot open \(name)")
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.standardInput = handle; p.standardOutput = handle; p.standardError = handle
        try p.run()
        close(slave)     // the child holds the only copies: reading ends (EIO) when it exits
        let pid = p.processIdentifier
        let timer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        p.waitUntilExit()
        timer.cancel()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return (status, String(decoding: out, as: UTF8.self))
    }
}
