/// A constant tree: `const(tree: "{.: 1}")` outputs the same V-value every tick.
///
/// The end symbol of the duplicate detector, a mask that `dot` reads one entry of Self's
/// matrix with (`const(tree: "{s1.a: {one: 1}}")`), a fixed ΔW. The text form is
/// `VValue(parsing:)`'s; leaves must be finite as `Float`.
public struct ConstTree: FlatTreeKind {
    public static let name = "const"
    public static let summary = "a constant V-value: const(tree: \"{a: 1, b: {c: 2}}\")"
    public static let configKeys = ["tree"]
    public let config: NeuronConfig
    /// The constant.
    public let value: VValue
    let leaves: [(path: [String], value: Float)]

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        if let v = config["tree"], v.string == nil { throw KindError("'tree' must be a V-value string such as \"{a: 1}\"", key: "tree") }
        // Without `tree` the constant is the empty tree (zero).
        let text = config["tree"]?.string ?? "{}"
        do { value = try VValue(parsing: text) } catch {
            throw KindError("'tree': " + error.message, key: "tree", offset: error.offset)
        }
        var ls: [(path: [String], value: Float)] = []
        for leaf in value.leaves {
            guard Float(leaf.value).isFinite else {
                throw KindError("'tree' leaf \(ConfigValue.number(leaf.value)) at \(DiagnosticText.quoted(leaf.path.joined(separator: "/"))) is out of range: at most ±3.4e38", key: "tree")
            }
            ls.append((leaf.path, Float(leaf.value)))
        }
        leaves = ls
    }

    public var inputs: [PortSpec] { [] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var emittedPaths: [[String]] { leaves.map(\.path) }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let y = io.outputs[0]
        y.initialize(repeating: 0, count: io.count)
        for leaf in leaves { if let i = layout.lane(of: leaf.path) { y[i] = leaf.value } }
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {}
}
