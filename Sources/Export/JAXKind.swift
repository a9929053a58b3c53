import DMMCore

/// How one neuron kind is written in an exported JAX module.
///
/// The exporter walks the lowered `TickPlan` (rows, terms, slots, warm-up) and asks each
/// neuron's kind for its up movement as Python text; everything else (the down movement, the
/// scan over ticks, the loss, Adam) is the same for every kind. A kind is exportable exactly
/// when `JAXKinds.table` has an entry for its name, so a new kind adds its expression in one
/// place and a patch using a kind without one is refused naming the neuron.
public struct JAXKind: Sendable {
    /// One neuron as its expression sees it: the kind (with its options), what the engine's
    /// kernels get from the plan besides their inputs, and where its embedded data lives.
    public struct Neuron: Sendable {
        /// The neuron's kind, options included (`clock(rate:)`, `feedback(edge:)`).
        public let kind: any NeuronKind
        /// The seed the engine's kernels see for this neuron (`KernelContext.seed`, from
        /// `TickPlan.seed(for:)`): the noise fields hash with it.
        public let seed: UInt64
        /// The Python expression of the neuron's embedded data (`JAXKind.data`), a NumPy array
        /// decoded when the module is imported; meaningful only for kinds with data.
        public let data: String
    }

    /// What the kind computes, in the form the module needs it.
    public enum Form: Sendable {
        /// A constant source (`one`, coordinates, `image`): one NumPy expression per output,
        /// evaluated once. `X`, `Y` (the coordinate fields, float32, one lane per pixel) and
        /// `lanes` are in scope.
        case constant(@Sendable (Neuron) -> [String])
        /// A source that depends only on the tick (`clock`): one NumPy expression per output
        /// over `TICKS` (float64 tick numbers, −warm-up first) and `SECONDS_PER_TICK`, giving
        /// float32 per-tick values fed to the scan.
        case perTick(@Sendable (Neuron) -> [String])
        /// A per-pixel or scalar map (or a spatial map over whole frames): one JAX expression
        /// per output (or one expression giving a tuple of all outputs), given the Python
        /// expressions of its inputs in port order. `now["tick"]` (this tick, float32) and
        /// `lanes` are in scope.
        case map(@Sendable (Neuron, [String]) -> [String])
    }

    public let form: Form
    /// Python functions the expressions call, each defined once per module (kinds may share
    /// one, as the noise fields share the lattice), in the order the kinds are first used;
    /// empty for kinds written with plain `jnp` calls.
    public let helpers: [String]
    /// Data the module must carry for a neuron of this kind (the pixels of `image` and
    /// `video`), given the frame size it draws at; written at the end of the module and
    /// reached through `Neuron.data`. Nil for kinds that need none.
    public let data: (@Sendable (any NeuronKind, Timing) -> JAXData?)?

    public init(_ form: Form, helpers: [String] = [], data: (@Sendable (any NeuronKind, Timing) -> JAXData?)? = nil) {
        self.form = form
        self.helpers = helpers
        self.data = data
    }
}
