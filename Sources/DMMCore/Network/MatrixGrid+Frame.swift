extension MatrixGrid {
    /// W of `net` placed on the rows and columns of `frame`, matched by name: the heat map of a
    /// patch that grows keeps one size from its first frame to its last when `frame` is the
    /// grid of the fully grown network (`Network.fullyGrown()`); rows and columns that do not
    /// exist yet are empty, and entries whose row or column `frame` lacks are left out.
    public init(_ net: Network, over frame: MatrixGrid) {
        var rowIndex: [String: Int] = [:], colIndex: [String: Int] = [:]
        for (k, r) in frame.rows.enumerated() { rowIndex[r] = k }
        for (k, c) in frame.columns.enumerated() { colIndex[c] = k }
        rows = frame.rows
        columns = frame.columns
        cells = net.matrix.entries.compactMap { e in
            guard let r = rowIndex[net.name(ofInput: e.input)], let c = colIndex[net.name(ofOutput: e.output)] else { return nil }
            return Cell(row: r, column: c, weight: e.entry.weight, frozen: e.entry.frozen)
        }
        cells.sort { ($0.row, $0.column) < ($1.row, $1.column) }
    }
}
