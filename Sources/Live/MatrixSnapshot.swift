import DMMCore
import PatchLanguage

/// The running weight matrix W at one tick, as the studio draws it: rows are the inputs of
/// every neuron (`s1.a`), columns are the outputs (`s1`, `mix.left`), and `entries` lists the
/// non-zero weights by index (`MatrixGrid`'s layout, as `dmm render --matrix` draws it).
/// Taken between ticks, so it includes Self's own edits.
public struct MatrixSnapshot: Sendable, Equatable {
    /// One non-zero weight.
    public struct Entry: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var weight: Float
        /// Frozen weights (`!` in patch syntax) are kept by fitting; the studio marks them.
        public var frozen: Bool
    }
    /// The tick the next boundary applies edits at.
    public var tick: Int
    /// Every input port of every neuron, in neuron order (rows of W).
    public var rows: [String]
    /// Every output port of every neuron, in neuron order (columns of W).
    public var columns: [String]
    public var entries: [Entry]

    /// Reads W from a network, in the one layout every picture of W uses (`MatrixGrid`).
    public init(network net: Network, tick: Int) {
        self.tick = tick
        let grid = MatrixGrid(net)
        rows = grid.rows
        columns = grid.columns
        entries = grid.cells.map { Entry(row: $0.row, column: $0.column, weight: $0.weight, frozen: $0.frozen) }
    }

    /// JSON: `{"tick":T,"rows":[…],"columns":[…],"entries":[[row,column,weight,frozen01],…]}`.
    /// Weights print as the shortest text that reads back to the same Float.
    public var json: String {
        var s = "{\"tick\":\(tick),\"rows\":[" + rows.map(Self.quoted).joined(separator: ",")
        s += "],\"columns\":[" + columns.map(Self.quoted).joined(separator: ",") + "],\"entries\":["
        s += entries.map { "[\($0.row),\($0.column),\($0.weight.description),\($0.frozen ? 1 : 0)]" }.joined(separator: ",")
        return s + "]}"
    }

    /// A JSON string literal (names are identifiers, but escaping costs nothing; the studio
    /// escapes every string it sends with this).
    public static func quoted(_ s: String) -> String { JSONText.string(s) }
}
