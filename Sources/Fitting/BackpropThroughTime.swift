import DMMCore
import Dispatch

/// Loss and exact gradient of a network's picture against target frames: the renderer's own
/// forward pass run over a trace, then reverse mode through time.
///
/// **One engine.** There is no second forward here. The network is compiled into a
/// `TickPlan`, and every tick of the fit runs the plan's lowered program: its scalar stroke
/// (`TickPlan.scalarStroke`), its field program (`TickPlan.runTile`, with each kind's calc
/// variant as the renderer chose it), its spatial stroke. The only difference from a render is
/// where the outputs go: into a trace, one slice per tick, instead of two ping-pong buffers.
/// Frame f is tick f after `warmUpTicks` ticks from tick −warmUp, as in `dmm render`; so the
/// loss at given weights is the mean squared error of the render at those weights, with the
/// picture clamped to −1…1 as the quantiser clamps it, before it rounds to bytes. Fitting adds only the reverse sweep below and the checkpoint policy.
///
/// **Reverse sweep.** Per tick, newest first: the loss gradient on the display outputs; for
/// each neuron whose gradient is wanted, its inputs are recomputed by the same down movement
/// (`TickPlan.fieldRow`, from the previous tick's traced outputs) and its kind's `backward`
/// gives dL/d(inputs); the transpose of the down movement turns those into weight gradients
/// and gradients of the previous tick's outputs. Scalar rows' gradients are summed over the
/// pixels of each tile and finished by a scalar reverse sweep after the tiles.
///
/// **Weights** have one meaning: the value in the matrix. A pruned weight is 0, the same as
/// the term being absent; an empty row is 0 (port defaults are ordinary weights from `one`).
///
/// **Memory.** A network without `spatial` kinds is per-pixel: tiles of `tileLanes` pixels are
/// independent and run in parallel, each keeping only its own trace of every field output
/// (`ticks × slots × tileLanes × 4 B`). When that exceeds `Options.traceBudgetBytes` the ticks
/// are cut into segments: the forward stores each segment's starting state and the backward
/// recomputes one segment at a time. A network with a spatial kind (feedback) reads other
/// pixels: its tile is the whole frame, with segments of about √ticks.
///
/// Results do not depend on the number of cores: each tile reduces into its own buffer and
/// tiles are summed in tile order. Not thread-safe: one `evaluate` at a time per instance.
public final class BackpropThroughTime: @unchecked Sendable {
    /// Tiling and trace sizes.
    public struct Options: Sendable, Equatable {
        /// Pixels per tile for per-pixel networks (a multiple of 16); 0 chooses: the largest of
        /// 1024, 512, 256 whose whole trace fits `traceBudgetBytes` (fewer, longer kernel calls;
        /// measured 20 % less time per step at 1024 than at 256 on a 16-sin CPPN), else 256.
        public var tileLanes: Int = 0
        /// Bytes of trace per worker that choose the segment length (per-pixel networks).
        /// When a tile's whole trace fits there is one segment and nothing is recomputed.
        public var traceBudgetBytes: Int = 24 << 20
        /// Forces the segment length in ticks (tests of the checkpointing).
        public var segmentTicks: Int?
        /// Worker threads; 0 uses every core.
        public var workers: Int = 0
        public init(tileLanes: Int = 0, traceBudgetBytes: Int = 24 << 20, segmentTicks: Int? = nil, workers: Int = 0) {
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
    /// The compiled program: the same type, compiled the same way, as a render's.
    let plan: TickPlan
    let ticks: Int
    let width: Int, height: Int, pixels: Int, lanes: Int

    // The plan's rows and terms (read by the reverse sweep and the initialiser).
    let rowCount: Int
    let constStart: [Int], constSlot: [Int], streamStart: [Int]
    /// Trainable term of each parameter: (stream, index into the plan's streamW / constW).
    let paramTerm: [(stream: Bool, index: Int)]
    let constTrainable: [Bool], streamTrainable: [Bool]
    /// Source of a plan stream term: ≥ 0 a field slot of a non-constant neuron, < 0 constant
    /// field `−1 − c` (for the initialiser's view of coordinates).
    let streamSrc: [Int]
    /// Does the reverse sweep need dL/d(row input)? (per plan row)
    let rowWantsGx: [Bool]
    /// Index of a row among rows whose input gradient is summed per tick (constant terms), or −1.
    let rowSumIndex: [Int]
    let rowSumCount: Int

    /// Field slots (the plan's) of every field output; the trace holds all of them per tick.
    let slots: Int
    let constantSlots: [Int]
    let slotNeedsGrad: [Bool]
    let displaySlots: [Int]
    /// Per program op: does it need a backward call?
    let opBackward: [Bool]
    /// Constant fields (coordinates), one per constant slot, for the initialiser.
    let constantFieldCount: Int
    let constantFields: UnsafeMutablePointer<Float>

    /// A neuron of the field program, as the initialiser reads it.
    struct FieldNeuron { var index: Int; var kind: any NeuronKind; var rows: [Int] }
    let fieldNeurons: [FieldNeuron]

    struct SpatialNeuron { var index: Int; var kind: any NeuronKind; var rows: [Int]; var fpRows: [Int]; var backward: Bool
                           var stateOffset: Int; var stateBytes: Int }
    let spatialNeurons: [SpatialNeuron]
    let spatialStateBytes: Int

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
    let scalarStateOffset: [Int]
    let maxPorts: Int

    /// The lowered field program at the current weights (rebuilt when weights are written).
    var program: TickPlan.FieldProgram
    let programRows: Int

    // Per-evaluation storage.
    let scalarVals: UnsafeMutablePointer<Float>
    let constTrace: UnsafeMutablePointer<Float>
    let fieldConsts: UnsafeMutablePointer<Float>
    let scalarStates: UnsafeMutableRawPointer
    let tiles: Int
    let workspaces: [TileWorkspace]
    let tileLoss: UnsafeMutablePointer<Double>
    let tileGrad: UnsafeMutablePointer<Double>
    let tileRowSum: UnsafeMutablePointer<Double>

    /// Compiles `network` for fitting against `targets`.
    ///
    /// - Parameters:
    ///   - frames: frames in the loss (default: all target frames).
    ///   - warmUp: ticks before frame 0 (default: `Network.warmUpTicks`, as the renderer).
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
        guard !plan.constantSources.contains(display) else { throw FitError("the display neuron is a constant source") }
        let nFrames = frames ?? targets.frames
        guard nFrames >= 1, nFrames <= targets.frames else {
            throw FitError("asked for \(nFrames) frames but there are \(targets.frames) target frames")
        }
        // A matrix that edits itself while the clip runs (Self with something wired into its
        // delta) would need weights that change per tick; the fit would silently ignore the
        // edits, so it refuses instead.
        for i in plan.treeNeurons {
            let rows = plan.rowOf[i]
            if rows.contains(where: { plan.streamStart[$0 + 1] > plan.streamStart[$0] || plan.constStart[$0 + 1] > plan.constStart[$0] }) {
                throw FitError("neuron '\(network.neurons[i].name)' edits the matrix while the patch runs; dmm fit cannot fit self-modifying patches yet (the edits would be ignored)")
            }
        }
        self.network = network
        self.targets = targets
        self.plan = plan
        self.frames = nFrames
        self.warmUpTicks = warmUp ?? network.warmUpTicks
        self.ticks = warmUpTicks + nFrames
        width = t.width; height = t.height; pixels = t.pixels; lanes = plan.fieldLanes
        precondition(lanes == targets.lanes)
        let net = network
        for i in plan.fieldNeurons + plan.spatialNeurons where !plan.constantSources.contains(i) {
            for (o, k) in plan.outKind[i].enumerated() where k != .field {
                throw FitError("neuron '\(net.neurons[i].name)' has a \(k) output '\(net.neurons[i].kind.outputs[o].name)' in a field; fitting supports field outputs only there")
            }
        }

        // Field slots: owners, constants.
        slots = plan.fieldCount
        var fieldOwner = [Int](repeating: -1, count: max(1, plan.fieldCount))
        var constSlots: [Int] = [], constIndexOf = [Int: Int]()
        for i in net.neurons.indices where plan.domains[i] == .field {
            for (o, k) in plan.outKind[i].enumerated() where k == .field {
                let s = plan.outSlot[i][o]
                fieldOwner[s] = i
                if plan.constantSources.contains(i) { constIndexOf[s] = constSlots.count; constSlots.append(s) }
            }
        }
        constantSlots = constSlots
        constantFieldCount = constSlots.count
        constantFields = .allocate(capacity: max(1, constSlots.count) * max(16, lanes))
        for (c, s) in constSlots.enumerated() { (constantFields + c * lanes).update(from: plan.fieldPrev + s * lanes, count: lanes) }
        var scalarOwner = [Int](repeating: -1, count: plan.scalarCount)
        for i in net.neurons.indices {
            for (o, k) in plan.outKind[i].enumerated() where k == .scalar { scalarOwner[plan.outSlot[i][o]] = i }
        }
        scalarCount = plan.scalarCount
        scalarInitial = plan.scalarPrev

        // Rows and terms: the plan's.
        rowCount = plan.rowDefault.count
        constStart = plan.constStart; constSlot = plan.constSlot; streamStart = plan.streamStart
        streamSrc = plan.streamSlot.map { s in
            if let c = constIndexOf[s] { return -1 - c }
            return s
        }
        var constTr = [Bool](repeating: false, count: plan.constW.count)
        var streamTr = [Bool](repeating: false, count: plan.streamW.count)
        var params: [WeightRef] = []
        var terms: [(stream: Bool, index: Int)] = []
        for e in net.matrix.entries where !e.entry.frozen {
            guard let term = plan.termOf[e.input]?[e.output] else { continue }
            let owner = e.input.neuron
            guard plan.domains[owner] == .field || plan.domains[owner] == .scalar else { continue }
            if net.neurons[owner].kind.traits.contains(.notDifferentiable) { continue }
            params.append(WeightRef(input: e.input, output: e.output))
            terms.append(term)
            if term.stream { streamTr[term.index] = true } else { constTr[term.index] = true }
        }
        parameters = params; paramTerm = terms
        constTrainable = constTr; streamTrainable = streamTr

        // Which neurons need a backward call: differentiable, and some input row has a
        // trainable term or reads an output whose gradient is needed (a fixed point).
        var rowOwner = [Int](repeating: 0, count: rowCount)
        for (i, rows) in plan.rowOf.enumerated() { for r in rows { rowOwner[r] = i } }
        let active = Set(plan.scalarNeurons + plan.fieldNeurons + plan.spatialNeurons).subtracting(plan.constantSources)
        var back = [Bool](repeating: false, count: net.neurons.count)
        func rowWants(_ r: Int) -> Bool {
            for k in plan.constStart[r]..<plan.constStart[r + 1] {
                if constTr[k] { return true }
                let o = scalarOwner[plan.constSlot[k]]; if o >= 0 && back[o] { return true }
            }
            guard plan.domains[rowOwner[r]] == .field else { return false }
            for k in plan.streamStart[r]..<plan.streamStart[r + 1] {
                if streamTr[k] { return true }
                let o = fieldOwner[plan.streamSlot[k]]; if o >= 0 && back[o] { return true }
            }
            return false
        }
        var changed = true
        while changed {
            changed = false
            for i in active.sorted() where !back[i] && !net.neurons[i].kind.traits.contains(.notDifferentiable) {
                if plan.rowOf[i].contains(where: rowWants) { back[i] = true; changed = true }
            }
        }
        let wants = (0..<rowCount).map { back[rowOwner[$0]] && rowWants($0) }
        rowWantsGx = wants
        slotNeedsGrad = (0..<max(1, plan.fieldCount)).map { $0 < plan.fieldCount && fieldOwner[$0] >= 0 && back[fieldOwner[$0]] }
        scalarSlotNeedsGrad = scalarOwner.map { $0 >= 0 && back[$0] }
        var rsIndex = [Int](repeating: -1, count: rowCount), rsCount = 0
        for i in (plan.fieldNeurons + plan.spatialNeurons) where active.contains(i) {
            for (p, r) in plan.rowOf[i].enumerated() where wants[r] {
                if plan.inKind[i][p] == .scalar || plan.constStart[r + 1] > plan.constStart[r] { rsIndex[r] = rsCount; rsCount += 1 }
            }
        }
        rowSumIndex = rsIndex; rowSumCount = rsCount
        displaySlots = (0..<3).map { plan.outSlot[display][$0] }

        // The lowered field program, and what the reverse sweep needs of it.
        let fp = plan.fieldProgram()
        program = fp
        programRows = fp.matrixRow.count
        opBackward = fp.neuron.map { back[$0] }
        fieldNeurons = fp.neuron.map { FieldNeuron(index: $0, kind: net.neurons[$0].kind, rows: plan.rowOf[$0]) }
        var fpRowOf = [Int: Int]()
        for (k, r) in fp.matrixRow.enumerated() { fpRowOf[r] = k }
        var maxP = max(1, fp.maxInputs)
        var sps: [SpatialNeuron] = [], spOff = 0
        for i in plan.spatialNeurons {
            let kind = net.neurons[i].kind
            sps.append(SpatialNeuron(index: i, kind: kind, rows: plan.rowOf[i], fpRows: plan.rowOf[i].map { fpRowOf[$0] ?? -1 },
                                     backward: back[i], stateOffset: spOff, stateBytes: kind.stateBytes(sampleRate: t.sampleRate)))
            spOff += (kind.stateBytes(sampleRate: t.sampleRate) + 15) / 16 * 16
            maxP = max(maxP, kind.inputs.count, kind.outputs.count)
        }
        spatialNeurons = sps
        spatialStateBytes = spOff

        var sns: [ScalarNeuron] = []
        var sOff = 0
        var sOffsets = [Int](repeating: -1, count: net.neurons.count)
        for i in plan.scalarNeurons where !plan.constantSources.contains(i) {
            let kind = net.neurons[i].kind
            sns.append(ScalarNeuron(index: i, kind: kind, backward: back[i], seed: plan.seed(for: i), rows: plan.rowOf[i],
                                    outSlots: plan.outSlot[i], stateBytes: kind.stateBytes(sampleRate: t.sampleRate), stateOffset: sOff))
            if kind.stateBytes(sampleRate: t.sampleRate) > 0 { sOffsets[i] = sOff }
            sOff += (kind.stateBytes(sampleRate: t.sampleRate) + 15) / 16 * 16
            maxP = max(maxP, kind.inputs.count, kind.outputs.count)
        }
        for i in fp.neuron { maxP = max(maxP, net.neurons[i].kind.outputs.count) }
        scalarNeurons = sns
        scalarStateBytes = sOff
        scalarStateOffset = sOffsets
        maxPorts = maxP

        // Tiles and segments.
        spatial = !plan.spatialNeurons.isEmpty
        var requested = options.tileLanes
        if requested <= 0 {
            requested = 1024
            while requested > 256 && (max(1, slots) * requested * 4 + spOff) * ticks > options.traceBudgetBytes { requested /= 2 }
        }
        let tl = spatial ? max(16, lanes) : max(16, min(max(16, requested / 16 * 16), max(16, lanes)))
        tileLanes = tl
        tiles = spatial ? 1 : (lanes + tl - 1) / tl
        let perTick = max(1, slots) * tl * 4 + spOff
        var seg: Int
        if let forced = options.segmentTicks { seg = forced }
        else if spatial { seg = Int(Double(ticks).squareRoot().rounded(.up)) }
        else { seg = options.traceBudgetBytes / max(1, perTick) }
        segmentTicks = min(ticks, max(1, seg))

        let workers = min(tiles, options.workers > 0 ? options.workers : System.cores)
        let segTicks = segmentTicks, segments = (ticks + segTicks - 1) / segTicks
        let nSlots = max(1, slots), ptrCap = max(fp.pointerCapacity, 4 * maxP)
        // The traces below and one workspace per worker, added up before any is allocated.
        do {
            typealias M = MemoryBudget
            let perWorker = TileWorkspace.byteCount(tileLanes: tl, slots: nSlots, segmentTicks: segTicks, segments: segments,
                                                    maxPorts: maxP, stateBytes: spOff)
            var need = M.multiply(4 * max(1, ticks + 1), max(1, scalarCount) + rowCount + fp.matrixRow.count)
            need = M.add(need, M.multiply(max(1, ticks), scalarStateBytes))
            need = M.add(need, M.multiply(M.multiply(8 * tiles, ticks), max(1, rsCount)))
            need = M.add(need, M.multiply(max(1, workers), perWorker))
            try M.check(need, for: "fitting \(ticks) ticks of \(network.timing.width)×\(network.timing.height)",
                        hint: "fit fewer frames (--frames N) or lower --trace-budget")
        } catch { throw FitError(error.description) }
        scalarVals = .allocate(capacity: (ticks + 1) * max(1, scalarCount))
        constTrace = .allocate(capacity: ticks * max(1, rowCount))
        fieldConsts = .allocate(capacity: ticks * max(1, fp.matrixRow.count))
        scalarStates = .allocate(byteCount: max(16, ticks * scalarStateBytes), alignment: 16)
        workspaces = (0..<max(1, workers)).map { _ in
            TileWorkspace(tileLanes: tl, slots: nSlots, segmentTicks: segTicks, segments: segments,
                          maxPorts: maxP, pointers: ptrCap, stateBytes: spOff)
        }
        tileLoss = .allocate(capacity: tiles)
        tileGrad = .allocate(capacity: max(1, tiles * plan.streamW.count))
        tileRowSum = .allocate(capacity: max(1, tiles * ticks * rsCount))
    }

    deinit {
        constantFields.deallocate(); scalarVals.deallocate(); constTrace.deallocate(); fieldConsts.deallocate()
        scalarStates.deallocate(); tileLoss.deallocate(); tileGrad.deallocate(); tileRowSum.deallocate()
    }

    /// The network's own values of `parameters`.
    public var initialWeights: [Float] {
        parameters.map { network.matrix[$0.input, $0.output] }
    }

    /// Bytes this engine keeps between evaluations (workspaces, traces, partial sums).
    public var workingBytes: Int {
        workspaces.reduce(0) { $0 + $1.bytes } + (ticks + 1) * scalarCount * 4 + ticks * (rowCount + programRows) * 4
            + tiles * (plan.streamW.count + ticks * rowSumCount + 1) * 8 + constantFieldCount * lanes * 4
    }

    /// The network with `weights` written into its trainable entries (a weight of 0 removes
    /// the entry, as in the patch text; `active` false is a weight of 0).
    public func network(with weights: [Float], active: [Bool]? = nil) -> Network {
        var n = network
        for (i, (p, w)) in zip(parameters, weights).enumerated() {
            n.matrix.set(p.input, p.output, (active?[i] ?? true) ? w : 0)
        }
        return n
    }

    /// Writes `weights` into the program (a pruned weight, `active` false, is 0).
    func load(_ weights: [Float], active: [Bool]?) {
        precondition(weights.count == parameters.count)
        for (p, term) in paramTerm.enumerated() {
            let w = (active?[p] ?? true) ? weights[p] : 0
            if term.stream { plan.streamW[term.index] = w } else { plan.constW[term.index] = w }
        }
        plan.weightsChanged()
        program = plan.fieldProgram()
    }

    /// Loss, and if `gradient` its gradient, at `weights` (in `parameters` order).
    ///
    /// `active` marks pruned weights (false): they count as 0, exactly as the pruned patch
    /// that `dmm fit --prune` writes renders them.
    public func evaluate(_ weights: [Float], gradient wantGradient: Bool = true, active: [Bool]? = nil) -> Evaluation {
        load(weights, active: active)
        scalarForward()
        let nStream = plan.streamW.count
        if wantGradient {
            tileGrad.initialize(repeating: 0, count: max(1, tiles * nStream))
            tileRowSum.initialize(repeating: 0, count: max(1, tiles * ticks * rowSumCount))
        }
        runTiles(gradient: wantGradient, capture: nil)
        var loss = 0.0
        for ti in 0..<tiles { loss += tileLoss[ti] }
        let norm = Double(frames * pixels * 3)
        guard wantGradient else { return Evaluation(loss: loss / norm, gradient: []) }

        var gStream = [Double](repeating: 0, count: nStream)
        for ti in 0..<tiles {
            let base = tileGrad + ti * nStream
            for k in 0..<nStream { gStream[k] += base[k] }
        }
        var gConst = [Double](repeating: 0, count: plan.constW.count)
        scalarBackward(&gConst)
        let grad = paramTerm.map { $0.stream ? gStream[$0.index] : gConst[$0.index] }
        return Evaluation(loss: loss / norm, gradient: grad)
    }

    /// The pictures of frames `0..<frames` at `weights`, in the targets' planar layout and
    /// units (unrounded): what the renderer draws before it rounds to bytes.
    public func pictures(_ weights: [Float], active: [Bool]? = nil) -> FitTargets {
        load(weights, active: active)
        scalarForward()
        let out = UnsafeMutablePointer<Float>.allocate(capacity: frames * 3 * lanes)
        out.initialize(repeating: 0, count: frames * 3 * lanes)
        defer { out.deallocate() }
        runTiles(gradient: false, capture: SendableFloats(out))
        for plane in 0..<(frames * 3) { for p in pixels..<lanes { out[plane * lanes + p] = 0 } }
        return try! FitTargets(width: width, height: height, frames: frames,
                               planar: Array(UnsafeBufferPointer(start: out, count: frames * 3 * lanes)))
    }

    func runTiles(gradient: Bool, capture: SendableFloats?) {
        let workerCount = workspaces.count, tilesTotal = tiles
        let fp = program
        let work: @Sendable (Int) -> Void = { [self] w in
            var ti = w
            while ti < tilesTotal {
                runTile(ti, fp, workspace: workspaces[w], gradient: gradient, capture: capture?.p)
                ti += workerCount
            }
        }
        if workerCount > 1 { DispatchQueue.concurrentPerform(iterations: workerCount, execute: work) } else { work(0) }
    }

    /// The context a kind sees at tick index `j` (0 is the first warm-up tick), identical to
    /// the renderer's for the same tick and lanes.
    @inline(__always)
    func context(tick j: Int, start: Int, logical: Int) -> KernelContext {
        let t = network.timing
        var c = KernelContext(t, tick: j - warmUpTicks, start: start, logicalCount: logical)
        c.domain = .field
        return c
    }

    // MARK: Scalars (global, once per evaluation)

    /// Runs the plan's scalar stroke over all ticks into the trace, keeping every row's
    /// constant part per tick (the scalar half of the down movement) and scalar states.
    func scalarForward() {
        let nS = scalarCount
        for s in 0..<nS { scalarVals[s] = scalarInitial[s] }
        let live = UnsafeMutableRawPointer.allocate(byteCount: max(16, scalarStateBytes), alignment: 16)
        live.initializeMemory(as: UInt8.self, repeating: 0, count: max(16, scalarStateBytes))
        defer { live.deallocate() }
        let t = network.timing
        let fp = program, rows = programRows
        let offsets = scalarStateOffset
        for j in 0..<ticks {
            let prev = scalarVals + j * nS, next = scalarVals + (j + 1) * nS
            next.update(from: prev, count: nS)
            let ct = constTrace + j * rowCount
            for r in 0..<rowCount { ct[r] = plan.constantPart(r, scalars: prev) }
            let fc = fieldConsts + j * rows
            for k in 0..<rows { fc[k] = ct[fp.matrixRow[k]] }
            if scalarStateBytes > 0 { (scalarStates + j * scalarStateBytes).copyMemory(from: live, byteCount: scalarStateBytes) }
            let ctx = KernelContext(t, tick: j - warmUpTicks)
            plan.scalarStroke(ctx, prev: prev, next: next) { i in offsets[i] >= 0 ? live + offsets[i] : nil }
        }
    }

    /// Gradients of scalar terms: first those of field rows (from the per-tile sums of
    /// dL/d(input) over pixels), then reverse mode through the scalar neurons.
    func scalarBackward(_ gConst: inout [Double]) {
        let nS = scalarCount
        let constW = plan.constW
        guard constW.count > 0 else { return }
        var rowTotal = [Double](repeating: 0, count: ticks * rowSumCount)
        for ti in 0..<tiles {
            let base = tileRowSum + ti * ticks * rowSumCount
            for k in 0..<(ticks * rowSumCount) { rowTotal[k] += base[k] }
        }
        // gy[j * nS + s]: dL/d(scalar output s after tick j − 1); index 0 is the initial state.
        var gy = [Double](repeating: 0, count: (ticks + 1) * max(1, nS))
        for r in 0..<rowCount where rowSumIndex[r] >= 0 {
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
            var ctx = KernelContext(t, tick: j - warmUpTicks)
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
                ctx.domain = .scalar
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
