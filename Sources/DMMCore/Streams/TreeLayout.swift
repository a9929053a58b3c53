/// The index table that flattens tree streams into `Float` vectors: every leaf path a run can
/// produce gets one lane, so a V-value becomes a dense vector over a fixed key universe.
///
/// This is the DMM authors' own remedy for slow tree gradients (`shared/docs/dmm.md` §6):
/// with one layout per structure, the down movement over trees is a sum of `SIMD16` vectors
/// and every tree kind's VJP is a few vector operations. Lane 0 is always the scalar part at
/// the root (`number`), so kinds that output a number write lane 0 without a lookup. Paths
/// are sorted, so the same set of paths gives the same layout (determinism). A layout is
/// rebuilt only when the structure changes (another network, another input text).
public struct TreeLayout: Sendable, Equatable {
    /// Lane i holds the leaf at `paths[i]`; `paths[0]` is `[]`, the root's scalar part.
    public let paths: [[String]]
    let index: [[String]: Int]

    /// A layout holding `paths` (and the root's scalar part), sorted and without repeats.
    public init(paths: some Sequence<[String]>) {
        var set = Set(paths)
        set.remove([])
        let sorted = set.sorted { $0.lexicographicallyPrecedes($1) }
        self.paths = [[]] + sorted
        var ix: [[String]: Int] = [:]
        for (i, p) in self.paths.enumerated() { ix[p] = i }
        index = ix
    }

    /// Lanes per flattened tree: the path count rounded up to 16 (kernels loop over `SIMD16`).
    public var lanes: Int { (paths.count + 15) / 16 * 16 }

    /// The lane of a leaf path, nil when the layout does not hold it.
    public func lane(of path: [String]) -> Int? { index[path] }

    /// Writes `v` into `lanes` floats at `p` (zero where `v` has no leaf); leaves at paths the
    /// layout does not hold are dropped, and the count of dropped leaves is returned.
    @discardableResult
    public func flatten(_ v: VValue, into p: UnsafeMutablePointer<Float>) -> Int {
        p.initialize(repeating: 0, count: lanes)
        var dropped = 0
        for leaf in v.leaves {
            if let i = index[leaf.path] { p[i] = Float(leaf.value) } else { dropped += 1 }
        }
        return dropped
    }

    /// The V-value of a flattened tree (exact zeros are absent, as V-values require).
    public func value(_ p: UnsafePointer<Float>) -> VValue {
        var v = VValue.zero
        for (i, path) in paths.enumerated() where p[i] != 0 {
            if path.isEmpty { v.number = Double(p[i]) } else { v[path: path] = v[path: path] + VValue(Double(p[i])) }
        }
        return v
    }
}
