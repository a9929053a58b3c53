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

    /// The log form: `declare s3: sin`, `declare lfo: sin(freq: 2)`, `remove s3`.
    public var description: String {
        switch self {
        case .declare(let name, let kind):
            let d = Declaration(name: name, kind: type(of: kind).name, config: kind.config)
            return "declare \(name): " + PatchPrinter.declarationText(d)
        case .remove(let name):
            return "remove \(name)"
        }
    }

    /// Reads the log form back (`declare NAME: KIND(…)` or `remove NAME`).
    public init(parsing text: String, registry: KindRegistry = .builtins) throws(KindError) {
        let words = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard words.count == 2 else { throw KindError("expected 'declare NAME: KIND' or 'remove NAME'") }
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
        default:
            throw KindError("unknown edit '\(words[0])'; expected 'declare' or 'remove'")
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
        }
    }
}
