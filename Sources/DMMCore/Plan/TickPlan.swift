import Dispatch

/// A network compiled into flat arrays, ready to tick.
///
/// Every output has a slot in the storage of its stream kind (scalars, fields, signals), held
/// twice: the previous tick's values, read by the down movement, and the next tick's, written by
/// the up movement; the two swap after each tick. Every input is a row of terms compiled to
/// CSR-like arrays: a *constant part* (weights on scalar outputs, broadcast) and a *stream part*
/// (weights on field or signal outputs). The plan is rebuilt only when the matrix structure or
/// the neurons change; weight edits update the term arrays in place.
///
/// Fields are computed in tiles of `tileSize` pixels, tiles in parallel across cores; kinds
/// marked `spatial` run after all tiles, over whole frames.
public final class TickPlan: @unchecked Sendable {
    public internal(set) var network: Network
    public var timing: Timing { network.timing }

    /// Pixels per tile: 2 KB of floats per buffer keeps a tile's working set (a dozen fields,
    /// twice when ticks are batched) in L1/L2.
    public static let tileSize = 512

    // MARK: Compiled structure (package: the fitting and live modules read it)
    package var domains: [StreamKind] = []
    /// Slot of each output: index into the storage of its kind.
    package var outSlot: [[Int]] = []
    package var outKind: [[StreamKind]] = []
    /// Resolved stream kind of each input.
    package var inKind: [[StreamKind]] = []
    /// Row index of each input, into `rowConst`/`rowStream`.
    package var rowOf: [[Int]] = []
    /// Row r's constant terms are `constStart[r]..<constStart[r+1]` in constW/constSlot.
    package var constStart: [Int] = [0]
    package var constW: [Float] = []
    package var constSlot: [Int] = []
    /// Row r's stream terms are `streamStart[r]..<streamStart[r+1]` in streamW/streamSlot.
    package var streamStart: [Int] = [0]
    package var streamW: [Float] = []
    package var streamSlot: [Int] = []
    package var rowDefault: [Float] = []
    /// Where each matrix entry lives in the term arrays: (isStream, index).
    package var termOf: [PortRef: [PortRef: (stream: Bool, index: Int)]] = [:]

    package var scalarNeurons: [Int] = []
    package var fieldNeurons: [Int] = []
    package var spatialNeurons: [Int] = []
    package var signalNeurons: [Int] = []
    /// Neurons whose ports carry V-values (Self, scheduled edits), run once per tick.
    package var treeNeurons: [Int] = []
    package var treeCount = 0
    package var treePrev: [VValue] = [], treeNext: [VValue] = []
    /// Field output slots that some row reads (an `rgb` whose outputs nobody reads skips its copy).
    package var fieldSlotsRead: Set<Int> = []
    /// Tree output slots that some row reads (Self's W is built only when read).
    package var treeSlotsRead: Set<Int> = []
    /// The last ΔW that Self could not apply (names an unknown port), for diagnostics.
    public internal(set) var lastSelfError: NetworkError?
    /// The last growth a `clone` neuron could not make (a taken twin name, the neuron cap),
    /// for diagnostics; the patch runs on without it (see `TickPlan+Growth`).
    public internal(set) var lastGrowthError: NetworkError?
    /// `clone` neurons whose growth is due at the end of the current tick, in neuron order.
    package var growthDue: [Int] = []
    package var constantSources: Set<Int> = []
    package var displayNeuron: Int?
    package var audioNeuron: Int?

    package var scalarCount = 0, fieldCount = 0, signalCount = 0
    /// Ports (inputs + outputs) of the widest scalar neuron: the scalar stroke's scratch size.
    package var scalarPortCount = 1
    /// The field stroke's lowered program, built once per structure or weight change.
    var fieldProgramCache: FieldProgram?
    /// Lanes per field (pixels rounded up to 16) and per signal block (samples rounded up).
    package var fieldLanes = 0, signalLanes = 0

    // MARK: Storage
    package var scalarPrev: [Float] = [], scalarNext: [Float] = []
    package var fieldPrev: UnsafeMutablePointer<Float>
    package var fieldNext: UnsafeMutablePointer<Float>
    /// Signal slots (with one tick of history each), the signal schedule and its scratch.
    package var signals = SignalProgram()
    /// Full-frame input buffers of spatial neurons, by (neuron, input).
    package var spatialInputs: [Int: [UnsafeMutablePointer<Float>]] = [:]
    /// Private state of each neuron (`stateBytes`), zeroed.
    package var states: [Int: UnsafeMutableRawPointer] = [:]

    /// Scans every output for NaN and ±inf when its policy is set (renders set it from
    /// `--on-nan`); see `NonFiniteGuard`.
    public let nonFinite = NonFiniteGuard()

    /// The tick the next call to `tick` computes.
    public internal(set) var currentTick: Int

    /// Compiles a network. Throws when a connection mixes incompatible stream kinds.
    public init(network: Network, startTick: Int = 0) throws(NetworkError) {
        self.network = network
        self.currentTick = startTick
        fieldPrev = .allocate(capacity: 16)
        fieldNext = .allocate(capacity: 16)
        try compile()
    }

    deinit { releaseStorage() }

    private func releaseStorage() {
        fieldPrev.deallocate(); fieldNext.deallocate()
        for (_, bufs) in spatialInputs { for b in bufs { b.deallocate() } }
        spatialInputs = [:]
        for (_, s) in states { s.deallocate() }
        states = [:]
    }

    /// Ticks before frame 1 so that every path reaches the picture (`Network.warmUpTicks`).
    public var warmUpTicks: Int { network.warmUpTicks }
}
