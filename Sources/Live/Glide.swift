import DMMCore

/// A weight moving linearly to a target, one small ΔW per tick, so that a change never jumps.
///
/// Values are computed from the start and the step count, not accumulated, so a glide lands
/// on its target exactly (the last step is the target itself) whatever the rounding of the
/// steps before it.
struct Glide: Sendable {
    var key: WeightKey
    var start: Float
    var target: Float
    /// Ticks the glide takes; the weight reaches `target` at the tick of the last step.
    var total: Int
    var done = 0

    init(key: WeightKey, from start: Float, to target: Float, ticks: Int) {
        self.key = key; self.start = start; self.target = target; self.total = max(1, ticks)
    }

    var finished: Bool { done >= total }

    /// The weight at the next tick.
    mutating func advance() -> Float {
        done += 1
        if done >= total { return target }
        return Float(Double(start) + (Double(target) - Double(start)) * Double(done) / Double(total))
    }
}

/// What reverts one edit: neurons to declare or remove again, then weights to restore.
struct UndoRecord: Sendable {
    var label: String
    var neuronEdits: [UndoNeuronEdit] = []
    var weights: [(key: WeightKey, value: Float)] = []
}

/// A neuron edit inside an undo record, kept by kind name and configuration (Sendable and
/// printable), rebuilt when the undo runs.
enum UndoNeuronEdit: Sendable {
    case declare(name: String, kind: String, config: NeuronConfig)
    case remove(name: String)
}
