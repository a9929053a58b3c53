import DMMCore

/// How one neuron kind is written in an exported JAX module.
///
/// The exporter walks the lowered `TickPlan` (rows, terms, slots, warm-up) and asks each
/// neuron's kind for its up movement as Python text; everything else (the down movement, the
/// scan over ticks, the loss, Adam) is the same for every kind. A kind is exportable exactly
/// when `JAXKinds.table` has an entry for its name, so a new kind adds its expression in one
/// place and a patch using a kind without one is refused naming the neuron.
public struct JAXKind: Sendable {
    /// What the kind computes, in the form the module needs it.
    public enum Form: Sendable {
        /// A constant source (`one`, coordinates): one NumPy expression per output, evaluated
        /// once. `X`, `Y` (the coordinate fields, float32, one lane per pixel) are in scope.
        case constant(@Sendable (any NeuronKind) -> [String])
        /// A source that depends only on the tick (`clock`): one NumPy expression per output
        /// over `TICKS` (float64 tick numbers, −warm-up first) and `SECONDS_PER_TICK`, giving
        /// float32 per-tick values fed to the scan.
        case perTick(@Sendable (any NeuronKind) -> [String])
        /// A per-pixel or scalar map (or a spatial map over whole frames): one JAX expression
        /// per output, given the Python expressions of its inputs in port order.
        case map(@Sendable (any NeuronKind, [String]) -> [String])
    }

    public let form: Form
    /// Python functions the expressions call (defined once per module, in the order the
    /// kinds are first used); empty for kinds written with plain `jnp` calls.
    public let helper: String

    public init(_ form: Form, helper: String = "") {
        self.form = form
        self.helper = helper
    }
}
