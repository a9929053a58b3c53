/// Growth: `clone` neurons (`CloneKind`) add neurons to the running plan at a tick boundary.
///
/// In the tree stroke a `clone` neuron whose schedule names the tick and whose `gate` is
/// positive is noted as due; at the end of the tick, after Self's ΔW has landed, each due
/// neuron grows the network one generation (`CloneKind.grow`, through `Network.cloning`) and
/// the plan takes the grown network with `replaceNetwork`, which keeps the outputs and state
/// of every neuron that was there: the picture and the sound run on without a jump, and the
/// twins start from zero. A growth that fails is skipped and left in `lastGrowthError`.
extension TickPlan {
    /// The tree stroke's step for `clone` neuron `i`: notes a due growth, and outputs the
    /// number of generations grown so far (before this tick's growth).
    func growthStroke(_ i: Int, _ kind: CloneKind, gate: VValue, tick: Int) -> [VValue] {
        if gate.number > 0, kind.isScheduled(tick) { growthDue.append(i) }
        return [VValue(number: Double(kind.generations(in: network)))]
    }

    /// Grows every due `clone` neuron by one generation and swaps the grown network in.
    func growAtBoundary() {
        let due = growthDue
        growthDue = []
        var net = network
        for i in due {
            guard i < net.neurons.count, let kind = net.neurons[i].kind as? CloneKind else { continue }
            do {
                if let grown = try kind.grow(net, owner: net.neurons[i].name) { net = grown }
            } catch { lastGrowthError = error }
        }
        guard net.neurons.count != network.neurons.count else { return }
        do { try replaceNetwork(net) } catch { lastGrowthError = error }
    }
}
