import DMMCore
import PatchLanguage

/// The patch document brought up to date with a running network, for `save`.
///
/// `PatchDocument.updatingWeights(from:)` rewrites weights and appends what is new; a live
/// session can also remove neurons and change kinds, so their declarations and rows are
/// brought in line first. Comments and layout stay where the author put them.
enum LiveDocument {
    static func synced(_ doc: PatchDocument, with net: Network) -> PatchDocument {
        var out = doc
        out.lines = doc.lines.compactMap { line -> PatchLine? in
            var l = line
            switch line.statement {
            case .declaration(var d):
                guard let i = net.index(of: d.name) else { return nil }
                let n = net.neurons[i]
                if d.kind != n.kindName || d.config != n.kind.config {
                    d.kind = n.kindName; d.config = n.kind.config
                    l.statement = .declaration(d)
                }
            case .row(let r):
                guard net.input(r.neuron, r.input) != nil else { return nil }
            default: break
            }
            return l
        }
        return out.updatingWeights(from: net)
    }
}
