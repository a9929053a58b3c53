import DMMCore
import PatchLanguage

/// A structural edit of a running network: a neuron declared (new, or a new kind for a name)
/// or removed. The matrix half of an edit is a ΔW fragment; this is the other half, the part a
/// ΔW cannot say because it names neurons the matrix has no row or column for yet.
///
/// `dmm live` logs these next to its ΔW lines (`TICK<TAB>declare s3: sin`, `TICK<TAB>remove s3`)
/// so that `dmm render --replay` can rebuild the same network at the same tick. At one tick,
/// neuron edits are applied before the tick's ΔW, which may then wire the new neuron.
public enum NeuronEdit: Sendable, CustomStringConvertible {
    /// Adds `name`, or gives an existing `name` a new kind (its rows and columns that no
    /// longer exist are dropped, its state restarts).
    case declare(name: String, kind: any NeuronKind)
    /// Removes a neuron with every weight that touches it.
    case remove(name: String)
    /// Clones the subnetwork `names` (`Network.cloning`): twins `prefix + name`, rows × scale,
    /// silent until connected. Logged as `clone a,b as PREFIX scale S`.
    case clone(names: [String], prefix: String, scale: Float)

    /// The log form: `declare s3: sin`, `declare lfo: sin(freq: 2)`, `remove s3`.
    public var description: String {
        switch self {
        case .declare(let name, let kind):
            let d = Declaration(name: name, kind: type(of: kind).name, config: kind.config)
            return "declare \(name): " + PatchPrinter.declarationText(d)
        case .remove(let name):
            return "remove \(name)"
        case .clone(let names, let prefix, let scale):
            return Self.cloneText(names: names, prefix: prefix, scale: Double(scale))
        }
    }

    /// `clone a,b as PREFIX` (and ` scale S` unless S is 1): the live command and the log line.
    public static func cloneText(names: [String], prefix: String, scale: Double) -> String {
        "clone \(names.joined(separator: ",")) as \(prefix)" + (scale == 1 ? "" : " scale \(PatchPrinter.number(scale))")
    }

    /// Reads `NAMES as PREFIX [scale S]` (the words after `clone`; names separated by commas):
    /// one grammar for the live command and the log. Names and the prefix must be neuron
    /// names, S a number within ±`CloneKind.maxScale`; the neurons themselves are checked when
    /// the edit is applied.
    public static func parseClone(_ text: some StringProtocol) throws(KindError) -> (names: [String], prefix: String, scale: Double) {
        let usage = "usage: clone NEURON,NEURON… as PREFIX [scale S]  (e.g. clone a,b as g scale 0.5)"
        let words = String(text).split(whereSeparator: { (c: Character) in c == " " || c == "\t" }).map(String.init)
        guard let asAt = words.firstIndex(of: "as"), asAt > 0, asAt + 1 < words.count else { throw KindError(usage) }
        var names: [String] = []
        for part in words[..<asAt].joined(separator: ",").split(separator: ",") {
            let n = String(part)
            guard isName(n) else { throw KindError("clone: '\(DiagnosticText.shortened(n, limit: DiagnosticText.quoteLimit))' is not a neuron name") }
            guard n != "one" else { throw KindError("clone: 'one' is the built-in constant and cannot be cloned") }
            if !names.contains(n) { names.append(n) }
        }
        guard !names.isEmpty, names.count <= CloneKind.maxNames else { throw KindError("clone: name 1 to \(CloneKind.maxNames) neurons; \(usage)") }
        let prefix = words[asAt + 1]
        guard isName(prefix), prefix.count <= CloneKind.maxPrefix else {
            throw KindError("clone: the prefix '\(DiagnosticText.shortened(prefix, limit: DiagnosticText.quoteLimit))' must be a name of at most \(CloneKind.maxPrefix) letters, digits or _")
        }
        var scale = 1.0
        let rest = words[(asAt + 2)...]
        if !rest.isEmpty {
            guard rest.count == 2, rest.first == "scale" else { throw KindError("clone: unexpected '\(DiagnosticText.shortened(rest.first!, limit: DiagnosticText.quoteLimit))'; \(usage)") }
            let w = rest[rest.startIndex + 1]
            guard let v = NumberText.double(w), v.isFinite, abs(v) <= CloneKind.maxScale else {
                throw KindError("clone: the scale must be a number from -\(Int(CloneKind.maxScale)) to \(Int(CloneKind.maxScale)), not '\(DiagnosticText.shortened(w, limit: DiagnosticText.quoteLimit))'")
            }
            scale = v
        }
        return (names, prefix, scale)
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.first, f == "_" || (f.isLetter && f.isASCII) else { return false }
        return s.allSatisfy { $0 == "_" || (($0.isLetter || $0.isNumber) && $0.isASCII) }
    }

    /// Reads the log form back (`declare NAME: KIND(…)` or `remove NAME`).
    public init(parsing text: String, registry: KindRegistry = .builtins) throws(KindError) {
        let words = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard words.count == 2 else { throw KindError("expected 'declare NAME: KIND', 'remove NAME' or 'clone NAMES as PREFIX'") }
        let rest = String(words[1])
        switch words[0] {
        case "remove":
            let name = rest.trimmingPrefix(while: { $0 == " " })
            guard !name.isEmpty, !name.contains(" ") else { throw KindError("expected 'remove NAME'") }
            self = .remove(name: String(name))
        case "declare":
            let doc: PatchDocument
            do { doc = try PatchParser.parse(rest + "\n", file: "edit") } catch { throw KindError(error.message) }
            guard doc.lines.count == 1, case .declaration(let d) = doc.lines[0].statement else {
                throw KindError("expected 'declare NAME: KIND'")
            }
            self = .declare(name: d.name, kind: try Self.makeKind(d.kind, config: d.config, registry: registry))
        case "clone":
            let c = try Self.parseClone(rest)
            self = .clone(names: c.names, prefix: c.prefix, scale: Float(c.scale))
        default:
            throw KindError("unknown edit '\(words[0])'; expected 'declare', 'remove' or 'clone'")
        }
    }

    /// Builds a configured kind by name, with the patch loader's messages.
    public static func makeKind(_ name: String, config: NeuronConfig, registry: KindRegistry = .builtins) throws(KindError) -> any NeuronKind {
        guard let type = registry[name] else { throw KindError("unknown neuron kind '\(name)'") }
        for (k, _) in config.entries where !type.configKeys.contains(k) {
            throw KindError("'\(name)' has no option '\(k)'")
        }
        return try type.init(config: config)
    }

    /// The network after this edit. Rows and columns are carried over by name, so indices
    /// may move (after a removal) without any weight moving to another neuron.
    public func applied(to net: Network) throws(NetworkError) -> Network {
        switch self {
        case .declare(let name, let kind):
            var out = net
            guard name != "one" else { throw NetworkError("'one' is the built-in constant neuron") }
            if let i = out.index(of: name) { out.replaceKind(of: i, with: kind) } else { try out.add(name, kind) }
            _ = try out.domains()
            return out
        case .remove(let name):
            guard name != "one" else { throw NetworkError("'one' cannot be removed") }
            guard net.index(of: name) != nil else { throw NetworkError("no neuron named '\(name)'", neuron: name) }
            return try net.removingNeurons([name])
        case .clone(let names, let prefix, let scale):
            // The cap the `clone` kind obeys holds for live and replayed clones too.
            guard net.neurons.count + names.count <= CloneKind.maxNeurons else {
                throw NetworkError("clone: the network would pass \(CloneKind.maxNeurons) neurons")
            }
            return try net.cloning(names, prefix: prefix, scale: scale)
        }
    }
}
