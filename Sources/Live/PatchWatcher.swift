import DMMCore
import PatchLanguage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Watches the patch file (`--watch`) and morphs the running patch into every saved version.
///
/// Polls the file's modification time, size and inode every `interval` (100 ms): portable,
/// cheap, and it survives editors that save by writing a new file and renaming it over the old
/// one (an inotify watch on the old inode would go deaf). A change is read once the file has
/// stopped changing for one poll, so a half-written save is not mistaken for a syntax error.
/// A file that does not parse or build leaves the running patch alone and reports the
/// `PatchError` (file:line:col and a caret); a good one becomes a `.morph` edit: the new
/// matrix is diffed against the running one and applied as ΔW over the morph time, and
/// neurons that did not change keep their state.
public final class PatchWatcher: @unchecked Sendable {
    /// What the watcher reports.
    public enum Event: Sendable {
        /// The file changed and was queued as a morph.
        case reloaded(path: String)
        /// The file changed but does not load; the description is the PatchError's.
        case failed(String)
    }

    /// The watched file, the morph time of a reload, and the polling interval in seconds.
    public let path: String
    public let morph: LiveDuration
    public let interval: Double
    public var onEvent: (@Sendable (Event) -> Void)?
    private let session: LiveSession
    private let running = Atomic<Bool>(false)
    private var registry: KindRegistry

    /// A watcher of `path` that queues reloads into `session`, morphing over `morph`.
    public init(session: LiveSession, path: String, morph: LiveDuration, interval: Double = 0.1, registry: KindRegistry = .builtins) {
        self.session = session; self.path = path; self.morph = morph; self.interval = interval; self.registry = registry
    }

    /// Starts polling on its own thread.
    public func start() {
        running.store(true, ordering: .relaxed)
        LiveThread.start { [self] in loop() }
    }

    /// Stops polling within one interval.
    public func stop() { running.store(false, ordering: .relaxed) }

    /// The file's identity and version: (inode, size, mtime in ns); nil when missing.
    static func stamp(_ path: String) -> [Int]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return [Int(truncatingIfNeeded: st.st_ino), Int(st.st_size), st.st_mtim.tv_sec &* 1_000_000_000 &+ st.st_mtim.tv_nsec]   // wrapping: any inode or mtime
    }

    private func loop() {
        var last = Self.stamp(path)
        var candidate: [Int]?
        while running.load(ordering: .relaxed) {
            LiveClock.sleep(until: LiveClock.now() + interval)
            let now = Self.stamp(path)
            guard now != last, now != nil else { candidate = nil; continue }
            if candidate != now { candidate = now; continue }   // still changing: wait one more poll
            last = now; candidate = nil
            reload()
        }
    }

    /// Loads the file now and queues the morph (or reports why it cannot); true when queued.
    /// The polling loop calls this on every change; tests and `reload` commands call it directly.
    @discardableResult
    public func reload() -> Bool {
        do {
            let loaded = try PatchLoader.load(path: path, registry: registry)
            session.enqueue(.morph(to: loaded.network, document: loaded.document, over: morph), source: .watch)
            onEvent?(.reloaded(path: path))
            return true
        } catch {
            onEvent?(.failed(error.description))
            return false
        }
    }
}
