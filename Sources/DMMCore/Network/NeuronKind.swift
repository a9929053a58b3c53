/// A kind of neuron: its ports, its forward map and its vector-Jacobian product.
///
/// A kind is the unit that grows most, so adding one is adding one file in `Kinds/` (plus one
/// line in `KindRegistry.builtins`). Kernels run over contiguous `Float` lanes: `io.count` is
/// always a multiple of 16 so a kernel can loop over `SIMD16<Float>` without a tail; lanes past
/// the logical length of the stream are computed and ignored.
///
/// The forward and the backward sit side by side so that a reader can check one against the
/// other, and a test checks every kind's backward against central finite differences.
public protocol NeuronKind: Sendable {
    /// The name used in patches (`sin`, `coord.x`, `osc.saw`).
    static var name: String { get }
    /// One line for `dmm kinds` and the README.
    static var summary: String { get }
    /// Configuration keys accepted in `name: kind(key: value)`.
    static var configKeys: [String] { get }

    /// Builds the kind from its parenthesised configuration; throw for bad values.
    init(config: NeuronConfig) throws(KindError)
    /// The configuration, for printing a patch back.
    var config: NeuronConfig { get }

    var inputs: [PortSpec] { get }
    var outputs: [PortSpec] { get }
    /// How the plan must schedule the kind.
    var traits: KindTraits { get }
    /// Bytes of private state per instance (oscillator phase, filter memory), zeroed at start.
    var stateBytes: Int { get }
    /// Bytes of private state at the patch's sample rate; the engine allocates this. The
    /// default is ``stateBytes``; a delay line sizes its buffer for the rate it runs at
    /// rather than for the highest rate it could (60 s at 48 kHz is 16 MB, not 67 MB).
    func stateBytes(sampleRate: Int) -> Int

    /// Up movement: maps `io.inputs` to `io.outputs` for `io.count` lanes.
    func forward(_ io: KernelIO)
    /// Adds dL/d(inputs) into `grads.inputGrads` given dL/d(outputs) in `grads.outputGrads`.
    /// `io` holds the inputs and the outputs of the matching forward call.
    func backward(_ io: KernelIO, _ grads: KernelGrads)

    /// The calc the field stroke should use for this neuron, given which of its input rows are
    /// uniform over a tile (`uniform[p]`: the row has no field terms, so it is one value).
    ///
    /// Chosen once when the plan is lowered, as a SuperCollider UGen picks its calc function
    /// in its constructor; the engine never asks which kind it is. `.plain` (the default) is
    /// the down movement into scratch followed by `forward`. A fast variant must compute the
    /// same values (tests hold every variant to its plain calc on random rows of every shape)
    /// and has the kind's own `backward` as its VJP.
    func fieldVariant(uniform: [Bool]) -> FieldVariant
}

/// A kind's calc for the field stroke (see `NeuronKind.fieldVariant(uniform:)`).
public enum FieldVariant: Sendable {
    /// Rows into scratch, then `forward`.
    case plain
    /// `f(a·x + b)` read straight from x's sources with a and b uniform (`PhaseKind`).
    case phase(any PhaseKind)
}

extension NeuronKind {
    public static var configKeys: [String] { [] }
    public var config: NeuronConfig { NeuronConfig() }
    public var traits: KindTraits { [] }
    public var stateBytes: Int { 0 }
    public func stateBytes(sampleRate: Int) -> Int { stateBytes }
    public var name: String { Self.name }
    public func fieldVariant(uniform: [Bool]) -> FieldVariant { .plain }
    /// Default backward for kinds with no differentiable inputs (sources): adds nothing.
    public func backward(_ io: KernelIO, _ grads: KernelGrads) {}
}

/// Scheduling facts about a kind.
public struct KindTraits: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Outputs never change (coordinates): computed once, never recomputed.
    public static let constantSource = KindTraits(rawValue: 1)
    /// Reads its field input at other pixels (feedback, blur): runs over whole frames after
    /// every tile has finished the down movement.
    public static let spatial = KindTraits(rawValue: 2)
    /// Its outputs (r, g, b in −1…1) become the picture.
    public static let display = KindTraits(rawValue: 4)
    /// Its inputs (left, right) become the sound.
    public static let audioOut = KindTraits(rawValue: 8)
    /// Has no gradient; fitting treats it as a constant source.
    public static let notDifferentiable = KindTraits(rawValue: 16)
    /// Input 0 also receives the neuron's own output 0 with weight 1 (the DMM accumulator
    /// loop), added by the plan as a frozen entry that the patch text does not show.
    public static let accumulator = KindTraits(rawValue: 32)
    /// Its outputs equal its inputs, port by port (`id`, `rgb`): a display neuron with this
    /// trait whose outputs nobody reads is quantised straight from its inputs.
    public static let identity = KindTraits(rawValue: 64)
}

/// The buffers of one kernel call. Pointers stay valid only for the call.
public struct KernelIO {
    /// One pointer per input port, each to `count` floats (the down movement's result).
    public let inputs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>
    /// One pointer per output port, each to `count` floats, to be written.
    public let outputs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>
    /// Lanes to process; a multiple of 16.
    public let count: Int
    /// Where and when this call happens.
    public let context: KernelContext
    /// The instance's private state (`stateBytes` bytes), or nil when it has none.
    public let state: UnsafeMutableRawPointer?

    public init(inputs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>,
                outputs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>,
                count: Int, context: KernelContext, state: UnsafeMutableRawPointer? = nil) {
        self.inputs = inputs; self.outputs = outputs; self.count = count
        self.context = context; self.state = state
    }
}

/// Cotangent buffers of one backward call.
public struct KernelGrads {
    /// dL/d(output) per output port.
    public let outputGrads: UnsafeBufferPointer<UnsafeMutablePointer<Float>>
    /// dL/d(input) per input port: kernels *add* into these.
    public let inputGrads: UnsafeBufferPointer<UnsafeMutablePointer<Float>>

    public init(outputGrads: UnsafeBufferPointer<UnsafeMutablePointer<Float>>,
                inputGrads: UnsafeBufferPointer<UnsafeMutablePointer<Float>>) {
        self.outputGrads = outputGrads; self.inputGrads = inputGrads
    }
}

/// Where and when a kernel runs: the tick's time and, for fields, which pixels the lanes are.
public struct KernelContext: Sendable {
    /// Tick number; frame f of a render is tick f (warm-up ticks are negative).
    public var tick: Int
    /// Seconds per tick (1/fps in visual patches, block/rate in audio-only ones).
    public var secondsPerTick: Double
    /// Field width and height in pixels (1×1 outside the field domain).
    public var width: Int
    public var height: Int
    /// Index of the first lane's pixel (row-major) in the field domain.
    public var start: Int
    /// Audio sample rate.
    public var sampleRate: Double
    /// The stream length a lane count stands for (pixels per tile, samples per block, 1).
    public var logicalCount: Int
    /// Seed for random kinds: the patch seed mixed with the neuron's index, so two noise
    /// neurons differ and every render repeats exactly.
    public var seed: UInt64 = 0
    /// The stream kind the lanes stand for (set by the plan). Pointwise kinds with state, such
    /// as `lf.saw` or `phasor`, step once per tick as scalars but once per sample as signals.
    public var domain: StreamKind = .scalar
    /// Bit p set: input p holds one value in every lane of this call (a constant, or a scalar
    /// that did not move), so a kernel may read lane 0 alone. A clear bit promises nothing.
    /// Set by the signal stroke, where checking a block for constancy costs as much as a cheap
    /// oscillator.
    public var constantInputs: UInt64 = 0
    /// Tempo (beats per minute, the patch's `bpm`): where `seq` finds its bars.
    public var bpm: Double = 120

    public init(tick: Int = 0, secondsPerTick: Double = 1.0 / 30, width: Int = 1, height: Int = 1,
                start: Int = 0, sampleRate: Double = 48_000, logicalCount: Int = 1) {
        self.tick = tick; self.secondsPerTick = secondsPerTick; self.width = width; self.height = height
        self.start = start; self.sampleRate = sampleRate; self.logicalCount = logicalCount
    }

    /// The context of tick `tick` of a patch with `timing`: its tick length, frame size, rate
    /// and tempo. Every stroke of the engine and of the fitters starts from this one, so a kind
    /// sees the same time and tempo in a render, a batched render, a fit and a distillation.
    package init(_ timing: Timing, tick: Int, start: Int = 0, logicalCount: Int = 1) {
        self.init(tick: tick, secondsPerTick: timing.secondsPerTick, width: timing.width, height: timing.height,
                  start: start, sampleRate: Double(timing.sampleRate), logicalCount: logicalCount)
        bpm = timing.bpm
    }

    /// Seconds at the start of this tick.
    public var time: Double { Double(tick) * secondsPerTick }
}

/// A configuration value in `name: kind(key: value)`.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case string(String)

    public var description: String {
        switch self {
        case .number(let x): return x == 0 && x.sign == .minus ? "-0" : VValue.format(x)
        case .string(let s): return "\"\(s)\""
        }
    }
    public var number: Double? { if case .number(let x) = self { return x } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
}

/// The ordered configuration of a neuron (order is kept for printing back).
public struct NeuronConfig: Sendable, Equatable {
    public var entries: [(key: String, value: ConfigValue)]
    public init(_ entries: [(key: String, value: ConfigValue)] = []) { self.entries = entries }
    public subscript(key: String) -> ConfigValue? {
        entries.first { $0.key == key }?.value
    }
    public static func == (a: NeuronConfig, b: NeuronConfig) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
    /// A number option with a default, rejecting non-numbers.
    public func number(_ key: String, default d: Double) throws(KindError) -> Double {
        guard let v = self[key] else { return d }
        guard let x = v.number, x.isFinite else {
            throw KindError("'\(key)' must be a number, not \(DiagnosticText.shortened(DiagnosticText.visible(v.description), limit: DiagnosticText.quoteLimit))", key: key)
        }
        return x
    }

    /// A number option that must lie in `range` (`what` describes the unit, e.g. "seconds").
    ///
    /// Every numeric option goes through a range like this before the kind converts it (to
    /// `Float`, to a tick count, to a buffer length), so no value from a patch can overflow
    /// the conversion or size a buffer past reason; the message names the valid range.
    public func number(_ key: String, default d: Double, in range: ClosedRange<Double>, _ what: String = "") throws(KindError) -> Double {
        let x = try number(key, default: d)
        guard range.contains(x) else {
            let unit = what.isEmpty ? "" : " " + what
            throw KindError("'\(key)' must be from \(Self.show(range.lowerBound)) to \(Self.show(range.upperBound))\(unit), not \(Self.show(x))", key: key)
        }
        return x
    }

    /// A whole-number option in `range`, checked before it becomes an `Int`: a fraction or a
    /// value outside the range is refused with the range in the message.
    public func wholeNumber(_ key: String, default d: Int, in range: ClosedRange<Int>, _ what: String = "") throws(KindError) -> Int {
        let x = try number(key, default: Double(d))
        guard x == x.rounded(), x >= Double(range.lowerBound), x <= Double(range.upperBound) else {
            let unit = what.isEmpty ? "" : " " + what
            throw KindError("'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound)\(unit), not \(Self.show(x))", key: key)
        }
        return Int(x)
    }

    /// A number option stored as `Float`: it must stay finite once rounded to `Float` (at most
    /// ±3.4e38), or the kind would compute with infinities.
    public func float(_ key: String, default d: Float) throws(KindError) -> Float {
        let x = try number(key, default: Double(d))
        guard Float(x).isFinite else {
            throw KindError("'\(key)' must be a finite number of at most ±3.4e38, not \(Self.show(x))", key: key)
        }
        return Float(x)
    }

    /// A number as a message shows it: `3`, `0.25`, `1e+39`.
    static func show(_ x: Double) -> String { ConfigValue.number(x).description }
    public var isEmpty: Bool { entries.isEmpty }
}

/// Why a kind rejected its configuration.
public struct KindError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The configuration key at fault, so the patch language can point at its value.
    public var key: String?
    /// Characters into that key's string value where the fault is (a V-value's bad character).
    public var offset: Int?
    public init(_ message: String, key: String? = nil, offset: Int? = nil) {
        self.message = message; self.key = key; self.offset = offset
    }
    public var description: String { message }
}
