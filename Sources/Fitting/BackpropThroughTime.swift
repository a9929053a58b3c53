import DMMCore
import Dispatch

/// Loss and exact gradient of a network's picture against target frames: a forward pass over
/// the ticks that keeps what the backward pass needs, then reverse mode through time.
///
/// **Semantics** are the renderer's, to the bit: the plan starts `warmUpTicks` ticks before
/// frame 0 with every output at zero (coordinates and `one` already set), input `i` at tick t
/// is `default + Σ W[i←j]·y_j(t−1)` (scalar outputs broadcast), and frame f is the display
/// neuron's outputs at tick f. The loss is the mean of `(picture − target)²` over frames,
/// pixels and r, g, b in −1…1 units. The gradient of a weight is
/// `Σ_t Σ_pixels dL/dx_i(t) · y_j(t−1)`, formed from each kind's hand-written backward.
///
/// **Scalars** (clock, LFOs) never read fields, so their trajectory is computed once per
/// evaluation, globally; the field pass then reduces, per tile, the gradient that each scalar
/// output receives from every pixel, and the scalar backward runs last, on those sums.
///
/// **Memory.** A network without `spatial` kinds is per-pixel: each tile of `tileLanes` pixels
/// is independent, so tiles run in parallel (`concurrentPerform`, one workspace per worker)
/// and each keeps only its own trace. When the tile's whole trace fits in
/// `Options.traceBudgetBytes` (24 MiB per worker by default; the benchmark's 16-neuron CPPN at
/// 256 px × 124 ticks needs 8 MiB) there is one segment: the forward pass stores every tick
/// and the backward pass recomputes nothing. Otherwise the ticks are cut into segments of
/// `segmentTicks`: the forward pass stores the tile's state (every field output) at each
/// segment start, and the backward pass recomputes one segment at a time, storing its inputs
/// and outputs. Per worker the bound is
/// `tileLanes × 4 B × (segments × S + segmentTicks × (S + Rs) + 2·S + 2·maxIn)`,
/// with S field outputs and Rs stored field inputs, plus per tile `8 B × (weights + ticks ×
/// Rc)` for partial gradients, independent of the number of pixels per tile times frames.
/// A network with a spatial kind (feedback) reads other pixels, so its tile is the whole
/// frame; segments of about √ticks keep the trace to `O(√ticks × S × pixels)` floats instead
/// of `ticks × S × pixels` (classic checkpointing: one extra forward pass).
/// The targets (`frames × 3 × pixels` floats) are the only other per-frame memory.
///
/// Results do not depend on the number of cores: each tile reduces into its own buffer and
/// tiles are summed in tile order.
///
/// Not thread-safe: one `evaluate` at a time per instance (multi-start makes one per start).
public final class BackpropThroughTime: @unchecked Sendable {
    /// Tiling and trace sizes.
    public struct Options: Sendable, Equatable {
        /// Pixels per tile for per-pixel networks (a multiple of 16). Small enough that a
        /// segment's trace stays in L2, large enough to amortise a kernel call.
        public var tileLanes: Int = 256
        /// Bytes of trace per worker that choose the segment length (per-pixel networks).
        ///
        /// When a tile's whole trace (`ticks × (S + Rs) × tileLanes × 4 B`) fits, there is one
        /// segment and the backward pass recomputes nothing (the forward pass then runs once
        /// instead of twice; measured 20 % less time per step). The default is 24 MiB per
        /// worker: the benchmark's CPPN (256 px × 124 ticks × 64 floats) needs 8 MiB, which
        /// with two workers stays in a 32 MiB L3. Longer or wider problems fall back to segments
        /// of `budget / (bytes per tick)` ticks, spatial (feedback) networks to √ticks.
        /// The workspaces are allocated at the size actually used, not at the budget.
        public var traceBudgetBytes: Int = 24 << 20
        /// Forces the segment length in ticks (tests of the checkpointing).
        public var segmentTicks: Int?
        /// Worker threads; 0 uses every core.
        public var workers: Int = 0
        public init(tileLanes: Int = 256, traceBudgetBytes: Int = 24 << 20, segmentTicks: Int? = nil, workers: Int = 0) {
            self.tileLanes = tileLanes; self.traceBudgetBytes = traceBudgetBytes
            self.segmentTicks = segmentTicks; self.workers = workers
        }
    }

    /// The loss and its gradient with respect to `parameters`.
    public struct Evaluation: Sendable {
        /// Mean squared error in −1…1 units over frames × pixels × 3.
        public var loss: Double
        /// dLoss/dweight, in `parameters` order (empty when not requested).
        public var gradient: [Double]
    }

    /// The network as given (its weights are the starting point; `evaluate` takes others).
    public let network: Network
    /// Every weight that is not frozen, sorted by (row, column): the trainable parameters.
    public let parameters: [WeightRef]
    /// Ticks run before frame 0.
    public let warmUpTicks: Int
    /// Frames in the loss.
    public let frames: Int
    /// True when some kind reads other pixels (the whole frame is one tile).
    public let spatial: Bool
    /// Pixels per tile and ticks per recomputed segment actually used.
    public let tileLanes: Int
    public let segmentTicks: Int

    let targets: FitTargets
    let plan: TickPlan
    let ticks: Int
    let width: Int, height: Int, pixels: Int, lanes: Int

    // Rows (one per neuron input), terms (matrix entries and implicit accumulator loops).
    let rowCount: Int
    var rowDefault: [Float]
    /// Each row's default when it has no matrix entry, and its number of entries.
    let rowSpecDefault: [Float], rowEntries: [Int]
    /// Row of each parameter.
    let paramRow: [Int]
    let constStart: [Int], constSlot: [Int]
    let streamStart: [Int]
    /// Source of a stream term: ≥ 0 a field slot of this engine, < 0 constant field `−1 − s`.
    let streamSrc: [Int]
    var constW: [Float], streamW: [Float]
    let constTrainable: [Bool], streamTrainable: [Bool]
    let paramTerm: [(stream: Bool, index: Int)]
    /// Does the backward need dL/d(row input)?
    let rowWantsGx: [Bool]
    /// Index of a field row among rows whose input sum is reduced per tick (scalar terms), or −1.
    let rowSumIndex: [Int]
    let rowSumCount: Int

    struct FieldNeuron {
        var index: Int
        var kind: any NeuronKind
        var backward: Bool
        var seed: UInt64
        var rows: [Int]
        /// Input is a fixed scalar port (filled, gradient summed over lanes).
        var rowScalar: [Bool]
        /// Slot of the stored input in the trace, or −1 when the input is a fill.
        var rowStored: [Int]
        var outSlots: [Int]
        var stateBytes: Int
        var stateOffset: Int
    }
    let fieldNeurons: [FieldNeuron]
    /// Field outputs of non-constant neurons, and stored inputs.
    let slots: Int, storedRows: Int
    let slotNeedsGrad: [Bool]
    let constantFieldCount: Int
    let constantFields: UnsafeMutablePointer<Float>
    let displaySlots: [Int]
    let fieldStateBytes: Int
    let maxPorts: Int

    struct ScalarNeuron {
        var index: Int
        var kind: any NeuronKind
        var backward: Bool
        var seed: UInt64
        var rows: [Int]
        var outSlots: [Int]
        var stateBytes: Int
        var stateOffset: Int
    }
    let scalarNeurons: [ScalarNeuron]
    let scalarCount: Int
    let scalarInitial: [Float]
    let scalarSlotNeedsGrad: [Bool]
    let scalarStateBytes: Int

    // Per-evaluation storage.
    let scalarVals: UnsafeMutablePointer<Float>
    let constTrace: UnsafeMutablePointer<Float>
    let scalarStates: UnsafeMutableRawPointer
    let tiles: Int
    let workspaces: [TileWorkspace]
    let tileLoss: UnsafeMutablePointer<Double>
    let tileGrad: UnsafeMutablePointer<Double>
    let tileRowSum: UnsafeMutablePointer<Double>
    let tables: EngineTables

    /// Compiles `network` for fitting against `targets`.
    ///
    /// - Parameters:
    ///   - frames: frames in the loss (default: all target frames).
    ///   - warmUp: ticks before frame 0 (default: the plan's `warmUpTicks`, as the renderer).
    public init(network: Network, targets: FitTargets, frames: Int? = nil, warmUp: Int? = nil,
                options: Options = Options()) throws(FitError) {
        let plan: TickPlan
        do { plan = try TickPlan(network: network, startTick: 0) } catch { throw FitError(error.description) }
        let t = network.timing
        guard t.width == targets.width, t.height == targets.height else {
            throw FitError("the patch draws \(t.width)×\(t.height) but the targets are \(targets.width)×\(targets.height)")
        }
        guard let display = plan.displayNeuron else { throw FitError("the patch has no picture output (an rgb or hsv neuron) to fit") }
        guard plan.domains[display] == .field, plan.outKind[display].count >= 3,
              plan.outKind[display].prefix(3).allSatisfy({ $0 == .field }) else {
            throw FitError("the display neuron '\(network.neurons[display].name)' must output three fields")
        }
        let nFrames = frames ?? targets.frames
        guard nFrames >= 1, nFrames <= targets.frames else {
            throw FitError("asked for \(nFrames) frames but there are \(targets.frames) target frames")
        }
        self.network = network
        self.targets = targets
        self.plan = plan
        self.frames = nFrames
        self.warmUpTicks = warmUp ?? plan.warmUpTicks
        self.ticks = warmUpTicks + nFrames
        width = t.width; height = t.height; pixels = t.pixels; lanes = plan.fieldLanes
        precondition(lanes == targets.lanes)
        let net = network

        // Field slots: the plan's field slots of non-constant neurons get engine slots;
        // constant sources (coordinates) are copied once into `constantFields`.
        var engineSlot = [Int](repeating: Int.min, count: max(1, plan.fieldCount))
        var slotOwner: [Int] = []
        var constCount = 0
        for i in 0..<net.neurons.count where plan.domains[i] == .field {
            for (o, k) in plan.outKind[i].enumerated() where k == .field {
                let ps = plan.outSlot[i][o]
                if plan.constantSources.contains(i) { engineSlot[ps] = -1 - constCount; constCount += 1 }
                else { engineSlot[ps] = slotOwner.count; slotOwner.append(i) }
            }
        }
        for i in plan.fieldNeurons + plan.spatialNeurons where !plan.constantSources.contains(i) {
            for (o, k) in plan.outKind[i].enumerated() where k != .field {
                throw FitError("neuron '\(net.neurons[i].name)' has a \(k) output '\(net.neurons[i].kind.outputs[o].name)' in a field; fitting supports field outputs only there")
            }
        }
        slots = slotOwner.count
        constantFieldCount = constCount
        constantFields = .allocate(capacity: max(1, constCount) * max(16, lanes))
        for i in net.neurons.indices where plan.domains[i] == .field && plan.constantSources.contains(i) {
            for (o, k) in plan.outKind[i].enumerated() where k == .field {
                let c = -1 - engineSlot[plan.outSlot[i][o]]
                (constantFields + c * lanes).update(from: plan.fieldPrev + plan.outSlot[i][o] * lanes, count: lanes)
            }
        }
        var scalarOwner = [Int](repeating: -1, count: plan.scalarCount)
        for i in net.neurons.indices {
            for (o, k) in plan.outKind[i].enumerated() where k == .scalar { scalarOwner[plan.outSlot[i][o]] = i }
        }
        scalarCount = plan.scalarCount
        scalarInitial = plan.scalarPrev

        // Rows and terms, copied from the plan.
        rowCount = plan.rowDefault.count
        rowDefault = plan.rowDefault
        var specDefault = [Float](repeating: 0, count: plan.rowDefault.count), entries = [Int](repeating: 0, count: plan.rowDefault.count)
        for (i, rows) in plan.rowOf.enumerated() {
            for (p, r) in rows.enumerated() {
                specDefault[r] = net.neurons[i].kind.inputs[p].defaultValue
                entries[r] = net.matrix.row(PortRef(i, p)).count
            }
        }
        rowSpecDefault = specDefault; rowEntries = entries
        constStart = plan.constStart; constSlot = plan.constSlot; constW = plan.constW
        streamStart = plan.streamStart; streamW = plan.streamW
        streamSrc = plan.streamSlot.map { engineSlot[$0] }
        var constTr = [Bool](repeating: false, count: plan.constW.count)
        var streamTr = [Bool](repeating: false, count: plan.streamW.count)
        var params: [WeightRef] = []
        var terms: [(stream: Bool, index: Int)] = []
        for e in net.matrix.entries where !e.entry.frozen {
            guard let term = plan.termOf[e.input]?[e.output] else { continue }   // tree/signal rows
            if net.neurons[e.input.neuron].kind.traits.contains(.notDifferentiable) { continue }
            params.append(WeightRef(input: e.input, output: e.output))
            terms.append(term)
            if term.stream { streamTr[term.index] = true } else { constTr[term.index] = true }
        }
        parameters = params; paramTerm = terms
        paramRow = params.map { plan.rowOf[$0.inputNeuron][$0.inputPort] }
        constTrainable = constTr; streamTrainable = streamTr

        // Which neurons need a backward call: differentiable, and some input row has a
        // trainable term or reads an output whose gradient is needed (a fixed point).
        let rowOwner: [Int] = {
            var o = [Int](repeating: 0, count: plan.rowDefault.count)
            for (i, rows) in plan.rowOf.enumerated() { for r in rows { o[r] = i } }
            return o
        }()
        let active = Set(plan.scalarNeurons + plan.fieldNeurons + plan.spatialNeurons).subtracting(plan.constantSources)
        var back = [Bool](repeating: false, count: net.neurons.count)
        func rowWants(_ r: Int) -> Bool {
            for k in plan.constStart[r]..<plan.constStart[r + 1] {
                if constTr[k] { return true }
                let o = scalarOwner[plan.constSlot[k]]; if o >= 0 && back[o] { return true }
            }
            for k in plan.streamStart[r]..<plan.streamStart[r + 1] {
                if streamTr[k] { return true }
                let s = engineSlot[plan.streamSlot[k]]; if s >= 0 && back[slotOwner[s]] { return true }
            }
            return false
        }
        var changed = true
        while changed {
            changed = false
            for i in active where !back[i] && !net.neurons[i].kind.traits.contains(.notDifferentiable) {
                if plan.rowOf[i].contains(where: rowWants) { back[i] = true; changed = true }
            }
        }
        rowWantsGx = (0..<rowCount).map { back[rowOwner[$0]] && rowWants($0) }
        slotNeedsGrad = slotOwner.map { back[$0] }
        scalarSlotNeedsGrad = scalarOwner.map { $0 >= 0 && back[$0] }

        // Field neurons in plan order (pointwise, then spatial; order within a tick is free).
        var fns: [FieldNeuron] = []
        var stored = 0, stateOff = 0, rsIndex = [Int](repeating: -1, count: rowCount), rsCount = 0, maxP = 1
        for i in plan.fieldNeurons + plan.spatialNeurons where !plan.constantSources.contains(i) {
            let kind = net.neurons[i].kind
            var fnn = FieldNeuron(index: i, kind: kind, backward: back[i], seed: plan.seed(for: i), rows: plan.rowOf[i],
                                  rowScalar: [], rowStored: [], outSlots: plan.outSlot[i].map { engineSlot[$0] },
                                  stateBytes: kind.traits.contains(.spatial) ? kind.stateBytes : 0, stateOffset: stateOff)
            stateOff += (fnn.stateBytes + 15) / 16 * 16
            for (p, r) in plan.rowOf[i].enumerated() {
                let scalarIn = plan.inKind[i][p] == .scalar
                fnn.rowScalar.append(scalarIn)
                if !scalarIn && plan.streamStart[r + 1] > plan.streamStart[r] { fnn.rowStored.append(stored); stored += 1 }
                else { fnn.rowStored.append(-1) }
                if rowWantsGx[r] && (scalarIn || plan.constStart[r + 1] > plan.constStart[r]) { rsIndex[r] = rsCount; rsCount += 1 }
            }
            maxP = max(maxP, kind.inputs.count, kind.outputs.count)
            fns.append(fnn)
        }
        fieldNeurons = fns
        storedRows = stored
        fieldStateBytes = stateOff
        rowSumIndex = rsIndex; rowSumCount = rsCount
        displaySlots = (0..<3).map { engineSlot[plan.outSlot[display][$0]] }
        guard displaySlots.allSatisfy({ $0 >= 0 }) else { throw FitError("the display neuron is a constant source") }

        var sns: [ScalarNeuron] = []
        var sOff = 0
        for i in plan.scalarNeurons where !plan.constantSources.contains(i) {
            let kind = net.neurons[i].kind
            sns.append(ScalarNeuron(index: i, kind: kind, backward: back[i], seed: plan.seed(for: i), rows: plan.rowOf[i],
                                    outSlots: plan.outSlot[i], stateBytes: kind.stateBytes, stateOffset: sOff))
            sOff += (kind.stateBytes + 15) / 16 * 16
            maxP = max(maxP, kind.inputs.count, kind.outputs.count)
        }
        scalarNeurons = sns
        scalarStateBytes = sOff
        maxPorts = maxP

        // Tiles and segments.
        spatial = !plan.spatialNeurons.isEmpty
        let tl = spatial ? max(16, lanes) : max(16, min(options.tileLanes / 16 * 16, max(16, lanes)))
        tileLanes = tl
        tiles = spatial ? 1 : (lanes + tl - 1) / tl
        let perTick = (slots + storedRows) * tl * 4 + fieldStateBytes
        var seg: Int
        if let forced = options.segmentTicks { seg = forced }
        else if spatial { seg = Int(Double(ticks).squareRoot().rounded(.up)) }
        else { seg = options.traceBudgetBytes / max(1, perTick) }
        segmentTicks = min(ticks, max(1, seg))

        scalarVals = .allocate(capacity: (ticks + 1) * max(1, scalarCount))
        constTrace = .allocate(capacity: ticks * max(1, rowCount))
        scalarStates = .allocate(byteCount: max(16, ticks * scalarStateBytes), alignment: 16)
        let workers = min(tiles, options.workers > 0 ? options.workers : System.cores)
        var maxTerms = 1
        for r in 0..<rowCount { maxTerms = max(maxTerms, plan.streamStart[r + 1] - plan.streamStart[r]) }
        let segTicks = segmentTicks, segments = (ticks + segTicks - 1) / segTicks
        let nSlots = slotOwner.count, nStored = stored, stBytes = stateOff
        workspaces = (0..<max(1, workers)).map { _ in
            TileWorkspace(tileLanes: tl, slots: nSlots, storedRows: nStored, segmentTicks: segTicks, segments: segments,
                          maxPorts: maxP, stateBytes: stBytes, maxTerms: maxTerms)
        }
        tables = EngineTables(streamStart: plan.streamStart, streamSrc: streamSrc, streamW: plan.streamW,
                              streamTrainable: streamTr, rowWantsGx: rowWantsGx, rowSumIndex: rsIndex,
                              slotNeedsGrad: slotNeedsGrad, neurons: fns)
        tileLoss = .allocate(capacity: tiles)
        tileGrad = .allocate(capacity: max(1, tiles * streamW.count))
        tileRowSum = .allocate(capacity: max(1, tiles * ticks * rsCount))
    }

    deinit {
        constantFields.deallocate(); scalarVals.deallocate(); constTrace.deallocate(); scalarStates.deallocate()
        tileLoss.deallocate(); tileGrad.deallocate(); tileRowSum.deallocate()
        tables.free()
    }

    /// The network's own values of `parameters`.
    public var initialWeights: [Float] {
        parameters.map { network.matrix[$0.input, $0.output] }
    }

    /// Bytes this engine keeps between evaluations (workspaces, traces, partial sums).
    public var workingBytes: Int {
        workspaces.reduce(0) { $0 + $1.bytes } + (ticks + 1) * scalarCount * 4 + ticks * rowCount * 4
            + tiles * (streamW.count + ticks * rowSumCount + 1) * 8 + constantFieldCount * lanes * 4
    }

    /// The network with `weights` written into its trainable entries (a weight of 0 removes
    /// the entry, as in the patch text).
    public func network(with weights: [Float]) -> Network {
        var n = network
        for (p, w) in zip(parameters, weights) { n.matrix.set(p.input, p.output, w) }
        return n
    }

    /// Loss, and if `gradient` its gradient, at `weights` (in `parameters` order).
    ///
    /// `active` marks pruned weights (false): a row whose entries are all pruned is an empty
    /// row, which takes its port's default like the renderer does (`sin.a` is then 1, not 0).
    public func evaluate(_ weights: [Float], gradient wantGradient: Bool = true, active: [Bool]? = nil) -> Evaluation {
        precondition(weights.count == parameters.count)
        applyDefaults(active)
        for (p, term) in paramTerm.enumerated() {
            if term.stream { streamW[term.index] = weights[p]; tables.streamW[term.index] = weights[p] }
            else { constW[term.index] = weights[p] }
        }
        scalarForward()

        // Field pass over tiles, in parallel, each into its own partial sums.
        let nStream = streamW.count
        if wantGradient {
            tileGrad.initialize(repeating: 0, count: max(1, tiles * nStream))
            tileRowSum.initialize(repeating: 0, count: max(1, tiles * ticks * rowSumCount))
        }
        let workerCount = workspaces.count
        let tilesTotal = tiles
        let work: @Sendable (Int) -> Void = { [self] w in
            var ti = w
            while ti < tilesTotal {
                runTile(ti, workspace: workspaces[w], gradient: wantGradient)
                ti += workerCount
            }
        }
        if workerCount > 1 { DispatchQueue.concurrentPerform(iterations: workerCount, execute: work) } else { work(0) }

        var loss = 0.0
        for ti in 0..<tiles { loss += tileLoss[ti] }
        let norm = Double(frames * pixels * 3)
        guard wantGradient else { return Evaluation(loss: loss / norm, gradient: []) }

        var gStream = [Double](repeating: 0, count: nStream)
        for ti in 0..<tiles {
            let base = tileGrad + ti * nStream
            for k in 0..<nStream { gStream[k] += base[k] }
        }
        var gConst = [Double](repeating: 0, count: constW.count)
        scalarBackward(&gConst)
        let grad = paramTerm.map { $0.stream ? gStream[$0.index] : gConst[$0.index] }
        return Evaluation(loss: loss / norm, gradient: grad)
    }

    /// The pictures of frames `0..<frames` at `weights`, in the targets' planar layout and
    /// units (unrounded): what the renderer would draw before it rounds to bytes.
    public func pictures(_ weights: [Float], active: [Bool]? = nil) -> FitTargets {
        precondition(weights.count == parameters.count)
        applyDefaults(active)
        for (p, term) in paramTerm.enumerated() {
            if term.stream { streamW[term.index] = weights[p]; tables.streamW[term.index] = weights[p] }
            else { constW[term.index] = weights[p] }
        }
        scalarForward()
        let out = UnsafeMutablePointer<Float>.allocate(capacity: frames * 3 * lanes)
        out.initialize(repeating: 0, count: frames * 3 * lanes)
        defer { out.deallocate() }
        let captured = SendableFloats(out)
        let workerCount = workspaces.count, tilesTotal = tiles
        let work: @Sendable (Int) -> Void = { [self] w in
            var ti = w
            while ti < tilesTotal { runTile(ti, workspace: workspaces[w], gradient: false, capture: captured.p); ti += workerCount }
        }
        if workerCount > 1 { DispatchQueue.concurrentPerform(iterations: workerCount, execute: work) } else { work(0) }
        // Padding lanes are not pixels.
        for plane in 0..<(frames * 3) { for p in pixels..<lanes { out[plane * lanes + p] = 0 } }
        return try! FitTargets(width: width, height: height, frames: frames,
                               planar: Array(UnsafeBufferPointer(start: out, count: frames * 3 * lanes)))
    }

    func applyDefaults(_ active: [Bool]?) {
        var left = rowEntries
        if let active { for (p, a) in active.enumerated() where !a { left[paramRow[p]] -= 1 } }
        for r in 0..<rowCount { rowDefault[r] = left[r] == 0 ? rowSpecDefault[r] : 0 }
    }

    // MARK: Scalars (global, once per evaluation)

    /// Runs every scalar neuron over all ticks exactly as `TickPlan.scalarStroke`, keeping
    /// outputs, states and every row's constant part (the scalar half of the down movement).
    func scalarForward() {
        let nS = scalarCount
        for s in 0..<nS { scalarVals[s] = scalarInitial[s] }
        let io = UnsafeMutablePointer<Float>.allocate(capacity: 16 * (2 * maxPorts + 1))
        let ptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 2 * maxPorts)
        defer { io.deallocate(); ptrs.deallocate() }
        let live = UnsafeMutableRawPointer.allocate(byteCount: max(16, scalarStateBytes), alignment: 16)
        live.initializeMemory(as: UInt8.self, repeating: 0, count: max(16, scalarStateBytes))
        defer { live.deallocate() }
        let t = network.timing
        for j in 0..<ticks {
            let prev = scalarVals + j * nS, next = scalarVals + (j + 1) * nS
            next.update(from: prev, count: nS)
            let ct = constTrace + j * rowCount
            for r in 0..<rowCount {
                var c = rowDefault[r]
                for k in constStart[r]..<constStart[r + 1] { c += constW[k] * prev[constSlot[k]] }
                ct[r] = c
            }
            var ctx = KernelContext(tick: j - warmUpTicks, secondsPerTick: t.secondsPerTick, width: t.width, height: t.height,
                                    start: 0, sampleRate: Double(t.sampleRate), logicalCount: 1)
            for n in scalarNeurons {
                let nin = n.rows.count, nout = n.outSlots.count
                for p in 0..<nin { FitKernels.fill(io + 16 * p, 16, ct[n.rows[p]]); ptrs[p] = io + 16 * p }
                for o in 0..<nout { ptrs[nin + o] = io + 16 * (nin + o) }
                ctx.seed = n.seed
                var state: UnsafeMutableRawPointer? = nil
                if n.stateBytes > 0 {
                    state = live + n.stateOffset
                    (scalarStates + j * scalarStateBytes + n.stateOffset).copyMemory(from: state!, byteCount: n.stateBytes)
                }
                n.kind.forward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                        outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                        count: 16, context: ctx, state: state))
                for o in 0..<nout where plan.outKind[n.index][o] == .scalar { next[n.outSlots[o]] = ptrs[nin + o][0] }
            }
        }
    }

    /// Gradients of scalar terms: first those of field rows (from the per-tile sums of
    /// dL/d(input) over pixels), then reverse mode through the scalar neurons.
    func scalarBackward(_ gConst: inout [Double]) {
        let nS = scalarCount
        guard constW.count > 0 else { return }
        var rowTotal = [Double](repeating: 0, count: ticks * rowSumCount)
        for ti in 0..<tiles {
            let base = tileRowSum + ti * ticks * rowSumCount
            for k in 0..<(ticks * rowSumCount) { rowTotal[k] += base[k] }
        }
        // gy[j * nS + s]: dL/d(scalar output s after tick j − 1); index 0 is the initial state.
        var gy = [Double](repeating: 0, count: (ticks + 1) * max(1, nS))
        for n in fieldNeurons {
            for r in n.rows where rowSumIndex[r] >= 0 {
                let idx = rowSumIndex[r]
                for j in 0..<ticks {
                    let g = rowTotal[j * rowSumCount + idx]
                    if g == 0 { continue }
                    let prev = scalarVals + j * nS
                    for k in constStart[r]..<constStart[r + 1] {
                        let s = constSlot[k]
                        if constTrainable[k] { gConst[k] += Double(prev[s]) * g }
                        if j > 0 && scalarSlotNeedsGrad[s] { gy[j * nS + s] += Double(constW[k]) * g }
                    }
                }
            }
        }
        guard scalarNeurons.contains(where: \.backward) else { return }
        let n16 = 16 * (4 * maxPorts + 1)
        let io = UnsafeMutablePointer<Float>.allocate(capacity: n16)
        let ptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 4 * maxPorts)
        let stateCopy = UnsafeMutableRawPointer.allocate(byteCount: max(16, scalarStateBytes), alignment: 16)
        defer { io.deallocate(); ptrs.deallocate(); stateCopy.deallocate() }
        let t = network.timing
        for j in stride(from: ticks - 1, through: 0, by: -1) {
            let ct = constTrace + j * rowCount
            let prev = scalarVals + j * nS, next = scalarVals + (j + 1) * nS
            var ctx = KernelContext(tick: j - warmUpTicks, secondsPerTick: t.secondsPerTick, width: t.width, height: t.height,
                                    start: 0, sampleRate: Double(t.sampleRate), logicalCount: 1)
            for n in scalarNeurons where n.backward {
                let nin = n.rows.count, nout = n.outSlots.count
                var any = false
                for o in 0..<nout where plan.outKind[n.index][o] == .scalar && gy[(j + 1) * nS + n.outSlots[o]] != 0 { any = true }
                if !any { continue }
                // inputs, outputs, output grads, input grads: 16 lanes each.
                for p in 0..<nin { let b = io + 16 * p; FitKernels.fill(b, 16, ct[n.rows[p]]); ptrs[p] = b }
                for o in 0..<nout {
                    let b = io + 16 * (nin + o), g = io + 16 * (nin + nout + o)
                    let scalarOut = plan.outKind[n.index][o] == .scalar
                    FitKernels.fill(b, 16, scalarOut ? next[n.outSlots[o]] : 0)
                    FitKernels.zero(g, 16)
                    if scalarOut { g[0] = Float(gy[(j + 1) * nS + n.outSlots[o]]) }
                    ptrs[nin + o] = b; ptrs[nin + nout + o] = g
                }
                for p in 0..<nin { let g = io + 16 * (nin + 2 * nout + p); FitKernels.zero(g, 16); ptrs[nin + 2 * nout + p] = g }
                ctx.seed = n.seed
                var state: UnsafeMutableRawPointer? = nil
                if n.stateBytes > 0 {
                    stateCopy.copyMemory(from: scalarStates + j * scalarStateBytes + n.stateOffset, byteCount: n.stateBytes)
                    state = stateCopy
                }
                n.kind.backward(KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                                         outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout),
                                         count: 16, context: ctx, state: state),
                                KernelGrads(outputGrads: UnsafeBufferPointer(start: ptrs + nin + nout, count: nout),
                                            inputGrads: UnsafeBufferPointer(start: ptrs + nin + 2 * nout, count: nin)))
                for (p, r) in n.rows.enumerated() where rowWantsGx[r] {
                    let g = FitKernels.sum(ptrs[nin + 2 * nout + p], 16)
                    if g == 0 { continue }
                    for k in constStart[r]..<constStart[r + 1] {
                        let s = constSlot[k]
                        if constTrainable[k] { gConst[k] += Double(prev[s]) * g }
                        if j > 0 && scalarSlotNeedsGrad[s] { gy[j * nS + s] += Double(constW[k]) * g }
                    }
                }
            }
        }
    }
}

/// A float pointer that may cross into `concurrentPerform`; tasks write disjoint ranges.
struct SendableFloats: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}

/// Core count, read once.
enum System {
    static let cores: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif
