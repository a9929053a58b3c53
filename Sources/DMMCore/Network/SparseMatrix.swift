/// The network matrix W: one row per (neuron, input), one column per (neuron, output).
///
/// Stored as rows of sparse entries. Iteration order is always sorted by column so that sums
/// are formed in the same order every run (floating-point addition is not associative and
/// renders must be byte-identical).
public struct SparseMatrix: Sendable, Equatable {
    /// A weight and whether fitting may change it.
    public struct Entry: Sendable, Equatable {
        public var weight: Float
        public var frozen: Bool
        public init(weight: Float, frozen: Bool = false) { self.weight = weight; self.frozen = frozen }
    }

    public private(set) var rows: [PortRef: [PortRef: Entry]] = [:]

    public init() {}

    /// The weight from column `output` into row `input` (0 when absent).
    public subscript(input: PortRef, output: PortRef) -> Float {
        rows[input]?[output]?.weight ?? 0
    }

    /// Sets one entry; a weight of exactly 0 that is not frozen removes it.
    public mutating func set(_ input: PortRef, _ output: PortRef, _ weight: Float, frozen: Bool = false) {
        if weight == 0 && !frozen {
            rows[input]?[output] = nil
            if rows[input]?.isEmpty == true { rows[input] = nil }
        } else {
            rows[input, default: [:]][output] = Entry(weight: weight, frozen: frozen)
        }
    }

    /// Adds to one entry (a ΔW fragment), keeping its frozen flag; exact zeros disappear.
    public mutating func add(_ input: PortRef, _ output: PortRef, _ delta: Float) {
        let old = rows[input]?[output]
        set(input, output, (old?.weight ?? 0) + delta, frozen: old?.frozen ?? false)
    }

    /// Removes every entry of a row.
    public mutating func clearRow(_ input: PortRef) { rows[input] = nil }

    /// The entries of one row, sorted by column.
    public func row(_ input: PortRef) -> [(output: PortRef, entry: Entry)] {
        (rows[input] ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// All entries sorted by (row, column).
    public var entries: [(input: PortRef, output: PortRef, entry: Entry)] {
        rows.keys.sorted().flatMap { r in row(r).map { (r, $0.output, $0.entry) } }
    }

    /// Number of stored (non-zero or frozen) weights.
    public var count: Int { rows.values.reduce(0) { $0 + $1.count } }

    /// True when both matrices have the same non-zero pattern (so a plan can update weights
    /// in place instead of recompiling).
    public func sameStructure(as other: SparseMatrix) -> Bool {
        guard rows.count == other.rows.count else { return false }
        for (r, cols) in rows {
            guard let o = other.rows[r], o.count == cols.count else { return false }
            for c in cols.keys where o[c] == nil { return false }
        }
        return true
    }
}
