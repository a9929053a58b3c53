import DMMCore

/// The words for a non-finite value found by `NonFiniteGuard`, shared by `dmm render`,
/// `dmm synth` and `dmm live`, so that every command names the neuron, its kind, the value,
/// the tick and the time in the same way.
public enum NonFiniteReport {
    /// "neuron 'acc' (accum) produced inf at tick 1234 (0.82 s)": the time counts from tick
    /// 0 (warm-up ticks are negative) and, for a signal, includes the sample within the tick.
    public static func describe(_ e: NonFiniteEvent, network: Network) -> String {
        let t = network.timing
        // A network that grew after `network` was taken has neurons it does not know.
        guard e.neuron < network.neurons.count else {
            return "neuron #\(e.neuron) produced \(NonFiniteGuard.describe(e.value)) at tick \(e.tick) (\(time(Double(e.tick) * t.secondsPerTick)))"
        }
        let n = network.neurons[e.neuron]
        var seconds = Double(e.tick) * t.secondsPerTick
        let isSignal = e.sample > 0 && e.sample < t.samplesPerTick && seconds.isFinite
        if isSignal { seconds += Double(e.sample) / Double(t.sampleRate) }
        return "neuron '\(n.name)' (\(n.kindName)) produced \(NonFiniteGuard.describe(e.value)) at tick \(e.tick) (\(time(seconds)))"
    }

    /// The error that stops a render under `--on-nan stop`.
    public static func stopError(_ e: NonFiniteEvent, network: Network) -> RenderError {
        RenderError(describe(e, network: network) + "; --on-nan clip or zero to go on")
    }

    /// The warning after a render that went on under `clip` or `zero`.
    public static func warning(_ e: NonFiniteEvent, replaced: Int, policy: NonFinitePolicy, network: Network) -> String {
        "warning: " + describe(e, network: network) + "; \(replaced) non-finite value\(replaced == 1 ? "" : "s") replaced (--on-nan \(policy.rawValue))"
    }

    /// Seconds with two decimals, without Foundation.
    static func time(_ s: Double) -> String {
        guard s.isFinite, abs(s) < 1e12 else { return "\(s) s" }
        let c = Int((abs(s) * 100).rounded())
        let frac = c % 100
        return (s < 0 && c > 0 ? "-" : "") + "\(c / 100).\(frac < 10 ? "0" : "")\(frac) s"
    }
}
