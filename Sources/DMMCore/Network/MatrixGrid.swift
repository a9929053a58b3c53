/// The weight matrix W laid out as a grid, the way a person reads it: one row per input port of
/// every neuron (`s1.a`), one column per output port (`s1`, `mix.left`), both in neuron order,
/// and the non-zero weights as cells.
///
/// This is the one layout every picture of W uses (`dmm render --matrix`, the live studio's
/// heat map and `/matrix`), so a cell means the same row and column everywhere. Taken from a
/// `Network` between ticks, it includes Self's own edits.
public struct MatrixGrid: Sendable, Equatable {
    /// One non-zero weight.
    public struct Cell: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var weight: Float
        /// Frozen (`w!`): fitting keeps it.
        public var frozen: Bool
    }
    /// Every input port of every neuron, in neuron order (rows of W).
    public var rows: [String]
    /// Every output port of every neuron, in neuron order (columns of W).
    public var columns: [String]
    /// The non-zero weights, in the matrix's (row, column) order.
    public var cells: [Cell]

    /// Reads W from a network.
    public init(_ net: Network) {
        var rowIndex: [PortRef: Int] = [:], colIndex: [PortRef: Int] = [:]
        var rows: [String] = [], columns: [String] = []
        for (i, n) in net.neurons.enumerated() {
            for p in 0..<n.kind.inputs.count { rowIndex[PortRef(i, p)] = rows.count; rows.append(net.name(ofInput: PortRef(i, p))) }
            for p in 0..<n.kind.outputs.count { colIndex[PortRef(i, p)] = columns.count; columns.append(net.name(ofOutput: PortRef(i, p))) }
        }
        self.rows = rows
        self.columns = columns
        cells = net.matrix.entries.compactMap { e in
            guard let r = rowIndex[e.input], let c = colIndex[e.output] else { return nil }
            return Cell(row: r, column: c, weight: e.entry.weight, frozen: e.entry.frozen)
        }
    }

    /// The weight at (row name, column name), 0 where W has no entry.
    public func weight(row: String, column: String) -> Float {
        guard let r = rows.firstIndex(of: row), let c = columns.firstIndex(of: column) else { return 0 }
        return cells.first { $0.row == r && $0.column == c }?.weight ?? 0
    }
}
