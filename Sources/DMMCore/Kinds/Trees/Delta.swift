/// A ΔW fragment computed by the network: `delta(row: "s1.a", col: "one")` turns the scalar
/// part of its input into the one-entry tree `{s1.a: {one: x}}` (times `scale`, default 1).
///
/// Wired into Self's `delta` input (`W.delta = d`), it changes exactly that weight by x at
/// the end of the tick its output reaches Self (`shared/docs/dmm.md` §4): any scalar neuron
/// (an LFO, a comparison, a `dot` reading W itself) can now drive the matrix, where `edit`
/// could only replay fixed fragments. Several `delta` neurons summed into Self's row are the
/// Clojure DMM's ΔW `ssum`; their weights are its `smul` by a constant. A `row` or `col` that
/// names no port of the running network is caught where Self applies the ΔW
/// (`TickPlan.lastSelfError`), as for every other edit.
public struct Delta: FlatTreeKind, KindExample {
    public static let name = "delta"
    public static let summary = "number → the ΔW tree {row: {col: scale·x}}: delta(row: \"s1.a\", col: \"one\", scale: 1)"
    public static let configKeys = ["row", "col", "scale"]
    public static let example = NeuronConfig([(key: "row", value: .string("s1.a")), (key: "col", value: .string("one"))])
    public let config: NeuronConfig
    /// The matrix row the fragment writes, `neuron.input`.
    public let row: String
    /// The matrix column, `neuron` (its first output) or `neuron.output`.
    public let col: String
    /// The factor on the input's scalar part.
    public let scale: Float

    public init(config: NeuronConfig) throws(KindError) {
        self.config = config
        row = try Self.portName(config, "row", "a row is neuron.input, such as \"s1.a\"", needsPort: true)
        col = try Self.portName(config, "col", "a column is a neuron or neuron.output, such as \"one\"", needsPort: false)
        scale = try config.float("scale", default: 1)
    }

    /// Reads and checks a row or column name: non-empty, no spaces, and `neuron.port` with
    /// both halves non-empty when `needsPort` (a `.` in a column must also split it in two).
    static func portName(_ config: NeuronConfig, _ key: String, _ hint: String, needsPort: Bool) throws(KindError) -> String {
        guard let v = config[key] else { throw KindError("'\(key)' is required: \(hint)", key: key) }
        guard let s = v.string else { throw KindError("'\(key)' must be a string: \(hint)", key: key) }
        let shown = DiagnosticText.quoted(s)
        guard !s.isEmpty, !s.contains(where: \.isWhitespace) else {
            throw KindError("'\(key)' \(shown) is not a port name: \(hint)", key: key)
        }
        if let dot = s.firstIndex(of: ".") {
            guard dot != s.startIndex, s.index(after: dot) != s.endIndex else {
                throw KindError("'\(key)' \(shown) is not a port name: \(hint)", key: key)
            }
        } else if needsPort {
            throw KindError("'\(key)' \(shown) names no input: \(hint)", key: key)
        }
        return s
    }

    public var inputs: [PortSpec] { [PortSpec("x", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var emittedPaths: [[String]] { [[row, col]] }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let y = io.outputs[0]
        y.initialize(repeating: 0, count: io.count)
        if let i = layout.lane(of: [row, col]) { y[i] = scale * io.inputs[0][0] }
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        guard let i = layout.lane(of: [row, col]) else { return }
        grads.inputGrads[0][0] += scale * grads.outputGrads[0][i]
    }
}
