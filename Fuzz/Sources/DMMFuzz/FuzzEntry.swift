import DMMCore
import PatchLanguage
import Rendering
import Fitting
import Live
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The reader under test, chosen once from `DMM_FUZZ_TARGET` (patch, vvalue, osc, live,
/// editlog, checkpoint). Every target feeds the bytes to a reader that must either accept them
/// or throw its typed error: a trap, a hang (libFuzzer's -timeout) or a sanitizer report is a
/// finding.
enum FuzzTarget: String, CaseIterable {
    case patch, vvalue, osc, live, editlog, checkpoint

    static let current: FuzzTarget = {
        guard let name = getenv("DMM_FUZZ_TARGET").map({ String(cString: $0) }),
              let t = FuzzTarget(rawValue: name) else {
            let message = Array("DMM_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        return t
    }()
}

/// A small patch every target that needs a network uses (the editlog and checkpoint readers
/// check what they read against it).
enum FuzzFixture {
    static let patchText = """
    size 4x4
    fps 10
    frames 2
    t: clock
    x: coord.x
    s: sin
    out: rgb
    s.x = 3 x
    s.b = t
    out.r = s
    out.g = 0.5 s
    out.b = -0.5 s

    """
    static let network: Network = {
        do { return try PatchBuilder.build(try PatchParser.parse(patchText, file: "fixture.dmm")) }
        catch { fatalError("fixture patch: \(error)") }
    }()
    static let targets: FitTargets = {
        do { return try FitTargets(width: 4, height: 4, frames: 2, planar: [Float](repeating: 0.25, count: 4 * 4 * 3 * 2)) }
        catch { fatalError("fixture targets: \(error)") }
    }()
    /// A private file the editlog target writes each input to (the reader takes a path).
    static let logPath = "/tmp/dmm-fuzz-editlog-\(getpid()).txt"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    switch FuzzTarget.current {
    case .patch:
        let text = String(decoding: bytes, as: UTF8.self)
        if let doc = try? PatchParser.parse(text, file: "fuzz.dmm") {
            // What parses must print, and what prints must parse back to the same text.
            let printed = PatchPrinter.format(doc)
            if let again = try? PatchParser.parse(printed, file: "printed.dmm") {
                let twice = PatchPrinter.format(again)
                if twice != printed { fatalError("fmt is not idempotent:\n\(printed)\n---\n\(twice)") }
            } else {
                fatalError("fmt printed a patch it cannot read back:\n\(printed)")
            }
            _ = try? PatchBuilder.build(doc)
        }
    case .vvalue:
        if let v = try? VValue(parsing: String(decoding: bytes, as: UTF8.self)) {
            // What parses must print as text that parses to an equal value.
            guard let back = try? VValue(parsing: "\(v)") else { fatalError("V-value printed unreadably: \(v)") }
            _ = back
        }
    case .osc:
        _ = try? OSCCodec.decode(bytes)
    case .live:
        _ = try? LiveCommandParser.parse(String(decoding: bytes, as: UTF8.self))
    case .editlog:
        let fd = open(FuzzFixture.logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if fd >= 0 {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            _ = try? EditLogFile.readLog(path: FuzzFixture.logPath, network: FuzzFixture.network)
        }
    case .checkpoint:
        if let saved = try? Checkpoint.decode(bytes) {
            let options = saved.options
            if let trainer = try? Trainer(resuming: saved, network: FuzzFixture.network, targets: FuzzFixture.targets, options: options) {
                // At most one step: the checkpoint must be usable or refused, never trap.
                let count = StepBudget()
                _ = trainer.run(shouldStop: { count.take() })
            }
        }
    }
    return 0
}

/// Lets a resumed fit take a step or two, then asks it to stop (restarts run on several threads).
final class StepBudget: Sendable {
    private let left = Atomic<Int>(2)
    func take() -> Bool { left.subtract(1, ordering: .relaxed).newValue < 0 }
}
