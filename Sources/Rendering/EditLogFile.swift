import DMMCore
import PatchLanguage

/// The edit log of a live session: one ΔW fragment per line with the tick that applied it.
///
/// Format (`dmm live --record`): `TICK<TAB>{row:{column:dw}}`, `#` comments allowed. Edits are
/// additive V-values, so replaying them at the same ticks reproduces the session exactly.
/// Structural edits, which a ΔW cannot express, are lines `TICK<TAB>declare NAME: KIND(…)` and
/// `TICK<TAB>remove NAME` (see ``NeuronEdit``); at one tick they come before its ΔW.
///
/// A log only means something on top of the patch it was recorded with, so its header carries
/// that patch's hash (`# patch fnv1a64:…`, ``patchHash(_:)``) and ``readLog(path:network:registry:expecting:)``
/// refuses a replay on another patch instead of silently rendering something else.
public enum EditLogFile {
    /// Everything a log holds, in file order within each list.
    public struct Log: Sendable {
        public var edits: [(tick: Int, delta: VValue)] = []
        public var neuronEdits: [(tick: Int, edit: NeuronEdit)] = []
        /// The hash of the patch the log was recorded with (nil: a log from before hashes).
        public var patchHash: String?
        /// The line of the `# patch` header (0 when there is none), for messages.
        public var patchHashLine = 0
        /// What the replay must print whatever `-q` says (see ``checkPatch(_:log:against:)``).
        public var warning: String?
        public init() {}
    }

    /// The patch a log is about to be replayed on: its document (hashed), its file name for
    /// messages, and whether a log recorded with another patch is replayed anyway.
    public struct Expected: Sendable {
        public var document: PatchDocument
        public var name: String
        public var force: Bool
        public init(document: PatchDocument, name: String, force: Bool = false) {
            self.document = document; self.name = name; self.force = force
        }
    }

    /// The largest tick a log line may carry (`dmm live` never schedules past it either):
    /// far beyond any session, and small enough that tick arithmetic cannot overflow.
    public static let maxTick = 1_000_000_000

    /// The header comment that starts the hash of the recorded patch.
    static let hashPrefix = "# patch "

    /// One line of the log.
    public static func line(tick: Int, delta: VValue) -> String { "\(tick)\t\(delta)" }

    /// One structural line of the log.
    public static func line(tick: Int, edit: NeuronEdit) -> String { "\(tick)\t\(edit)" }

    /// The header line naming the recorded patch by its hash.
    public static func hashLine(_ hash: String) -> String { hashPrefix + hash }

    /// A patch's identity for edit logs: FNV-1a (64 bit) of its canonical text
    /// (`PatchPrinter.format`), so that re-indenting a patch does not orphan its logs while any
    /// change of a neuron, a weight or a header does.
    public static func patchHash(_ document: PatchDocument) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in PatchPrinter.format(document).utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Checks that the log at `path`, whose header says `hash` (nil: none) on line `line`,
    /// was recorded with `expected`. Returns a warning (an old log without a hash, or another
    /// patch replayed with `force`); throws when the patch differs and `force` is false.
    static func checkPatch(_ path: String, hash: String?, line: Int, against expected: Expected) throws(PatchError) -> String? {
        let mine = patchHash(expected.document)
        guard let theirs = hash else {
            return "\(path): warning: the log has no patch hash (recorded by an older dmm); replaying it on \(expected.name) unchecked"
        }
        guard theirs != mine else { return nil }
        let what = "the log was recorded with another patch (\(theirs)) than \(expected.name) (\(mine))"
        if expected.force { return "\(path): warning: \(what); replaying it anyway (--force-replay)" }
        throw PatchError(file: path, line: line, column: 1,
                         message: "\(what): the replay would render something else; pass --force-replay to replay it anyway")
    }

    /// Reads the ΔW lines of a log; each edit is checked against the network so a bad log
    /// fails before rendering. (Use ``readLog(path:network:registry:)`` for structural lines.)
    public static func read(path: String, network: Network) throws(PatchError) -> [(tick: Int, delta: VValue)] {
        try readLog(path: path, network: network).edits
    }

    /// Reads a whole log: ΔW lines and neuron edits, checked in order against the network.
    ///
    /// Total on any bytes: every line must be `TICK<TAB>…` with a tick in `0...maxTick`, not
    /// before the line above it; a ΔW must name known ports with finite `{row:{column:dw}}`
    /// leaves and leave every weight finite; anything else is a `file:line:col` error.
    /// With `expecting`, the `# patch` header is checked first (before any edit line, whose
    /// names would otherwise fail confusingly on another patch); `Log.warning` says what the
    /// caller must print.
    public static func readLog(path: String, network: Network, registry: KindRegistry = .builtins,
                               expecting expected: Expected? = nil) throws(PatchError) -> Log {
        let text = try PatchLoader.readText(path)
        var out = Log()
        var check = network
        var lastTick = 0
        var checked = false
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var l = raw.trimmingPrefix(while: { $0 == " " })
            while let last = l.last, last == "\r" || last == " " { l = l.dropLast() }
            func fail(_ column: Int, _ message: String) -> PatchError {
                PatchError(file: path, line: i + 1, column: column, message: message, sourceLine: String(raw))
            }
            if l.hasPrefix(hashPrefix) {
                guard out.patchHash == nil else { throw fail(1, "a second '# patch' line") }
                out.patchHash = String(l.dropFirst(hashPrefix.count))
                out.patchHashLine = i + 1
                if let expected, out.edits.isEmpty && out.neuronEdits.isEmpty {
                    out.warning = try checkPatch(path, hash: out.patchHash, line: i + 1, against: expected)
                    checked = true
                }
                continue
            }
            if l.isEmpty || l.hasPrefix("#") { continue }
            if let expected, !checked {
                // The header comes before the first edit; a log without one is an old log.
                out.warning = try checkPatch(path, hash: nil, line: 0, against: expected)
                checked = true
            }
            let parts = l.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty else { throw fail(1, "expected 'TICK<TAB>{…}', 'TICK<TAB>declare …' or 'TICK<TAB>remove …'") }
            guard let tick = Int(parts[0]), tick >= 0, tick <= maxTick else {
                throw fail(1, "'\(parts[0].prefix(40))' is not a tick: a whole number from 0 to \(maxTick)")
            }
            guard tick >= lastTick else { throw fail(1, "tick \(tick) comes after tick \(lastTick): a log is in tick order") }
            lastTick = tick
            let column = parts[0].count + 2
            if parts[1].hasPrefix("{") {
                let d: VValue
                guard isShallowDelta(parts[1]) else { throw fail(column, "a ΔW is {row:{column:dw}}; this one is nested deeper") }
                do { d = try VValue(parsing: String(parts[1])) } catch { throw fail(column, "ΔW: \(error.message)") }
                try checkLeaves(d, fail: { fail(column, $0) })
                do { try check.apply(delta: d) } catch { throw fail(column, error.message) }
                if let bad = check.matrix.entries.first(where: { !$0.entry.weight.isFinite }) {
                    throw fail(column, "this ΔW makes \(check.name(ofInput: bad.input)) ← \(check.name(ofOutput: bad.output)) \(bad.entry.weight): weights must stay finite")
                }
                out.edits.append((tick, d))
            } else {
                let e: NeuronEdit
                do { e = try NeuronEdit(parsing: String(parts[1]), registry: registry) } catch { throw fail(column, error.message) }
                do { check = try e.applied(to: check) } catch { throw fail(column, error.message) }
                out.neuronEdits.append((tick, e))
            }
        }
        if let expected, !checked { out.warning = try checkPatch(path, hash: out.patchHash, line: out.patchHashLine, against: expected) }
        return out
    }

    /// True when `text` nests braces at most two deep (`{row:{column:dw}}`), braces inside
    /// quoted keys not counting: a linear scan that lets live input and log readers refuse a
    /// fragment nested thousands deep before any V-value parser spends time on it.
    public static func isShallowDelta(_ text: some StringProtocol) -> Bool {
        var depth = 0, quoted = false, escaped = false
        for b in text.utf8 {
            if quoted {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { quoted = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): quoted = true
            case UInt8(ascii: "{"): depth += 1; if depth > 2 { return false }
            case UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return true
    }

    /// A ΔW in a log is `{row:{column:dw}}` with finite leaves that stay finite as `Float`.
    static func checkLeaves(_ d: VValue, fail: (String) -> PatchError) throws(PatchError) {
        for leaf in d.leaves {
            guard leaf.path.count == 2 else {
                let at = leaf.path.isEmpty ? "at its top level" : "under '\(leaf.path.joined(separator: "."))'"
                throw fail("a ΔW is {row:{column:dw}}; this one has a number \(at)")
            }
            guard leaf.value.isFinite, Float(leaf.value).isFinite else {
                throw fail("ΔW \(leaf.path[0]) ← \(leaf.path[1]) is \(leaf.value), not a finite weight change")
            }
        }
    }
}
