import DMMCore

/// The name of one matrix weight in an exported module and in a weights file:
/// `"row <- column"` with the patch's own names, e.g. `"s1.a <- one"`, `"out.r <- s1"`,
/// `"fb.in <- out.g"`.
///
/// One definition for both directions: `dmm export --jax` keys `params()`/`frozen()` by it
/// and `dmm import` reads weights back by it, so a name round-trips exactly.
public enum WeightName {
    /// The separator between the row (a neuron's input) and the column (an output).
    public static let arrow = " <- "

    public static func of(input: PortRef, output: PortRef, in net: Network) -> String {
        net.name(ofInput: input) + arrow + net.name(ofOutput: output)
    }

    /// The weights `dmm fit` trains, in its parameter order (`BackpropThroughTime.parameters`):
    /// every entry that is not frozen, into a scalar or field neuron whose kind is
    /// differentiable. The exporter's `params()` and the importer both use this list.
    public static func trainable(_ net: Network, domains: [StreamKind]) -> [(input: PortRef, output: PortRef)] {
        net.matrix.entries.compactMap { e in
            guard !e.entry.frozen else { return nil }
            let owner = e.input.neuron
            guard domains[owner] == .field || domains[owner] == .scalar,
                  !net.neurons[owner].kind.traits.contains(.notDifferentiable) else { return nil }
            return (e.input, e.output)
        }
    }
}
