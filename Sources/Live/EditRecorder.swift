import DMMCore
import PatchLanguage
import Rendering
#if canImport(Glibc)
import Glibc
#endif
import MediaIO

/// Writes the edit log of a session (`--record FILE`) in the `EditLogFile` format: per tick,
/// its neuron edits (`TICK<TAB>declare …`, `TICK<TAB>remove …`), then its one ΔW fragment
/// (`TICK<TAB>{row:{column:dw}}`), exactly what the tick boundary applied.
///
/// Lines are written as they happen (one `write(2)` each) so that a session that crashes or is
/// killed still leaves a log that replays up to its last edit. `dmm render PATCH --replay FILE`
/// then re-renders the session offline, frame for frame.
public final class EditRecorder: @unchecked Sendable {
    /// The log file.
    public let path: String
    private var fd: Int32
    /// Lines written so far (comments excluded).
    public private(set) var lines = 0

    /// Creates (or truncates) the log and writes a comment header naming the patch and, when
    /// given, its hash (`EditLogFile.patchHash`): the replay checks it, so that the log cannot
    /// silently be replayed on another patch. (Pass `document`; without it the log replays
    /// with a warning, as logs from before hashes do.)
    public init(path: String, patch: String, document: PatchDocument? = nil) throws(LiveError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LiveError("\(path): cannot create edit log: \(String(cString: strerror(errno)))") }
        var header = "# dmm live edit log for \(patch): TICK<TAB>ΔW, replay with dmm render \(patch) --replay \(path)\n"
        if let document { header += EditLogFile.hashLine(EditLogFile.patchHash(document)) + "\n" }
        write(header)
    }

    deinit { close() }

    /// Logs what one tick boundary applied.
    public func record(tick: Int, neuronEdits: [NeuronEdit], delta: VValue) {
        var text = ""
        for e in neuronEdits { text += EditLogFile.line(tick: tick, edit: e) + "\n"; lines += 1 }
        if !delta.isZero { text += EditLogFile.line(tick: tick, delta: delta) + "\n"; lines += 1 }
        write(text)
    }

    /// Closes the file (idempotent).
    public func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    private func write(_ s: String) {
        guard fd >= 0, !s.isEmpty else { return }
        Platform.writeAll(fd, s)
    }
}
