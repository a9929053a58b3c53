import DMMCore
import Synchronization

/// Backpropagation through a student that sounds: `dmm fit STUDENT --teacher TEACHER` when the
/// outputs compared are audio.
///
/// **The forward is the renderer's.** Each evaluation compiles the student at the given
/// weights into a `TickPlan` and runs it exactly as `dmm synth` does (the same warm-up ticks
/// before time 0, `runAudio`, its batching), with a `SignalTrace` attached: every signal unit's
/// inputs as the down movement delivered them and its outputs as its kernel wrote them. Nothing
/// here recomputes a kind's output or a row's sum.
///
/// **The reverse sweep** walks the units in the reverse of the engine's running order. A unit's
/// output cotangents (from the loss, or from the units it feeds) go through its kind's reverse:
/// `DifferentiableSignal.backwardRun` for the stateful kinds (`osc.sine`, filters…), the
/// per-lane `backward` for stateless pointwise kinds (`sin`, `tanh`, `mul`…) running on
/// samples. Then per term of each input row, the down movement reversed: a weight on a signal
/// source reads it one tick earlier (sample j reads j − samplesPerTick), so its gradient is
/// Σ_j g[j]·source[j − n] and the source's cotangent gains w·g[j] at j − n; a weight on a
/// constant source (`one`) contributes g summed times the source's value.
///
/// **The loss** is the mean over compared samples of the squared difference: the two channels
/// of the sound (a mono patch's right channel is its left) or the named signal outputs, over
/// `ticks` ticks from time 0 (warm-up ticks are run, not compared), against the teacher's own
/// render.
///
/// **What is fitted**: every explicit, unfrozen weight on the row of a signal neuron whose
/// gradient reaches the loss, from a constant source or a signal output. Weights whose
/// gradient cannot be taken stay as they are and are listed in `heldFixed` with the reason
/// (rows of kinds without a reverse, such as the band-limited oscillators or noise; terms from
/// scalars that change). Loops through the matrix (feedback) are reversed pass by pass (see
/// `evaluate`). Students with tree or field neurons, or scalar outputs of signal kinds
/// (`follow`), are refused in one line.
public final class SignalBackprop: DistillEngine, @unchecked Sendable {
    public let parameters: [WeightRef]
    /// Weights that influence the loss but stay fixed, each with why (for the user's note).
    public let heldFixed: [(weight: WeightRef, reason: String)]
    /// Ticks compared (after the warm-up) and samples per tick.
    public let ticks: Int, samplesPerTick: Int
    /// Warm-up ticks the student runs before time 0 (fixed for the whole fit, from the patch).
    public let warmUpTicks: Int
    let student: Network
    /// What is compared: the sound (two channels) or named outputs (unit, port).
    let sound: Bool
    let compared: [PortRef]
    /// The teacher's samples: per compared stream, `ticks × samplesPerTick` values.
    let targets: [[Float]]
    /// Neurons whose reverse is taken (the loss reaches them through kinds that have one).
    let reversed: Set<Int>
    /// Recordings kept between evaluations: a fresh megabyte-sized buffer per step cost a page
    /// fault per 4 KB, a third of the step. Taken and given back under a lock (restarts may
    /// evaluate in parallel); a shape that does not match is simply allocated anew.
    private let spare = Mutex<[SignalTrace]>([])

    /// - Parameters:
    ///   - outputs: signal outputs compared by name, or nil for the sound (`audio.out`).
    ///   - ticks: ticks compared, from time 0.
    public init(student: Network, teacher: Network, outputs: [(student: PortRef, teacher: PortRef)]?, ticks: Int) throws(FitError) {
        guard ticks > 0 else { throw FitError("nothing to compare: ticks must be at least 1") }
        let st = student.timing, tt = teacher.timing
        // Samples are compared one for one: the same rate. The blocks may differ (the teacher
        // runs as many of its own ticks as cover the student's samples).
        guard st.sampleRate == tt.sampleRate else {
            throw FitError("the student runs at \(st.sampleRate) Hz and the teacher at \(tt.sampleRate) Hz: give both the same rate")
        }
        let teacherBlock = max(1, tt.samplesPerTick)
        let plan: TickPlan
        do { plan = try TickPlan(network: student) } catch { throw FitError(error.description) }
        if let i = plan.treeNeurons.first {
            throw FitError("neuron '\(student.neurons[i].name)' (\(student.neurons[i].kindName)) is a tree neuron: audio distillation takes patches of signal and scalar neurons")
        }
        if let i = (plan.fieldNeurons + plan.spatialNeurons).first {
            throw FitError("neuron '\(student.neurons[i].name)' (\(student.neurons[i].kindName)) draws: audio distillation fits a student's sound; fit its picture with a visual teacher")
        }
        if plan.signals.hasScalarOutputs {
            let i = plan.signalNeurons.first { n in plan.outKind[n].contains(.scalar) } ?? 0
            throw FitError("neuron '\(student.neurons[i].name)' (\(student.neurons[i].kindName)) turns sound into a per-tick number: audio distillation has no gradient through it")
        }
        self.student = student
        self.ticks = ticks
        samplesPerTick = max(1, st.samplesPerTick)
        warmUpTicks = student.warmUpTicks
        var unitOf: [Int: Int] = [:]
        for (u, i) in plan.signalNeurons.enumerated() { unitOf[i] = u }

        // Each evaluation holds two recordings of every signal port over warm-up + ticks (the
        // forward's and the cotangents), and keeps a few between steps.
        let ports = plan.signalNeurons.reduce(0) { $0 + student.neurons[$1].kind.inputs.count + student.neurons[$1].kind.outputs.count }
        let lanes = MemoryBudget.multiply(MemoryBudget.add(student.warmUpTicks, ticks), samplesPerTick)
        do {
            try MemoryBudget.check(MemoryBudget.multiply(MemoryBudget.multiply(ports, lanes), 4 * 4),
                                   for: "audio distillation over \(ticks) ticks", hint: "compare fewer --ticks")
        } catch { throw FitError(error.description) }

        // What is compared, and the teacher's samples of it.
        let S = ticks * samplesPerTick
        if let outputs {
            for o in outputs {
                guard plan.outKind[o.student.neuron][o.student.port] == .signal else {
                    throw FitError("output '\(student.name(ofOutput: o.student))' is not a signal: a sound student is compared on its sound or its signal outputs")
                }
            }
        } else {
            guard plan.audioNeuron != nil else { throw FitError("the student has no audio.out: name the signal outputs compared (--outputs)") }
            guard teacher.hasAudio else { throw FitError("the teacher has no audio.out: name the signal outputs compared (--outputs)") }
        }
        sound = outputs == nil
        compared = outputs?.map(\.student) ?? []
        let r = try Self.run(teacher, ticks: (S + teacherBlock - 1) / teacherBlock, trace: !sound)
        var teacherStreams: [Stream] = []
        for o in outputs ?? [] {
            guard let found = r.streams(sound: false, outputs: [o.teacher]) else {
                throw FitError("output '\(teacher.name(ofOutput: o.teacher))' of the teacher is not a signal")
            }
            teacherStreams += found
        }
        if sound { teacherStreams = r.streams(sound: true, outputs: []) ?? [] }
        targets = r.withSamples(teacherStreams) { samples in samples.map { p, step in (0..<S).map { p[$0 * step] } } }

        // Which units the loss reaches, through kinds that have a reverse.
        let units = plan.signalNeurons.count
        func differentiable(_ i: Int) -> Bool {
            let k = student.neurons[i].kind
            if k is any DifferentiableSignal || k.traits.contains(.audioOut) { return true }
            return k.stateBytes(sampleRate: st.sampleRate) == 0 && !k.traits.contains(.notDifferentiable)
        }
        var reaches = Array(repeating: false, count: units)
        if sound, let a = plan.audioNeuron, let u = unitOf[a] { reaches[u] = true }
        for o in compared { if let u = unitOf[o.neuron] { reaches[u] = true } }
        // Backwards from the compared units through kinds with a reverse (loops: to a fixpoint).
        var changed = true
        while changed {
            changed = false
            for u in 0..<units where reaches[u] && differentiable(plan.signalNeurons[u]) {
                let i = plan.signalNeurons[u]
                for p in student.neurons[i].kind.inputs.indices where plan.inKind[i][p] == .signal {
                    for (o, _) in student.matrix.row(PortRef(i, p)) {
                        if let v = unitOf[o.neuron], !reaches[v] { reaches[v] = true; changed = true }
                    }
                }
            }
        }
        let reverse = (0..<units).map { reaches[$0] && differentiable(plan.signalNeurons[$0]) }
        reversed = Set((0..<units).filter { reverse[$0] }.map { plan.signalNeurons[$0] })
        var params: [WeightRef] = [], fixed: [(WeightRef, String)] = []
        for u in 0..<units where reaches[u] {
            let i = plan.signalNeurons[u]
            for p in student.neurons[i].kind.inputs.indices {
                for (o, e) in student.matrix.row(PortRef(i, p)) where !e.frozen {
                    let ref = WeightRef(input: PortRef(i, p), output: o)
                    if !reverse[u] {
                        fixed.append((ref, "\(student.neurons[i].kindName) has no gradient through its inputs"))
                    } else if plan.constantSources.contains(o.neuron) {
                        params.append(ref)
                    } else if unitOf[o.neuron] != nil, plan.outKind[o.neuron][o.port] == .signal, plan.inKind[i][p] == .signal {
                        params.append(ref)
                    } else {
                        fixed.append((ref, "it reads '\(student.neurons[o.neuron].name)', a number that changes from tick to tick"))
                    }
                }
            }
        }
        parameters = params.sorted()
        if let t = targets.firstIndex(where: { $0.contains { !$0.isFinite } }) {
            throw FitError("the teacher's \(sound ? "sound" : "output '\(teacher.name(ofOutput: outputs![t].teacher))'") is not finite (NaN or ±inf) within the \(ticks) ticks compared")
        }
        scales = parameters.map { p in
            let w = student.matrix[p.input, p.output]
            guard let k = student.neurons[p.input.neuron].kind as? any DifferentiableSignal else { return max(1, abs(w)) }
            return k.stepScale(input: p.input.port, weight: w, sampleRate: Double(st.sampleRate))
        }
        heldFixed = fixed.sorted { $0.0 < $1.0 }
        let start = evaluate(weights(of: student), gradient: false).loss
        guard start.isFinite else {
            throw FitError("the student's \(sound ? "sound" : "output") at its starting weights is not finite (NaN, ±inf or beyond Float): check its levels, frequencies and cutoffs")
        }
    }

    /// Per weight, the size of one unit Adam moves (`DifferentiableSignal.stepScale`, from the
    /// student as loaded): its own size, at least 1 (a cutoff of 1500 Hz moves by about 15 Hz a
    /// step at `--lr 0.01`, a gain of 0.3 by 0.01); plain steps for an oscillator's frequency
    /// (0.01 Hz a step turns a phase by 0.06 rad over a second, a step the size of 220 Hz by 14
    /// turns); about a sample for a delay time.
    public let scales: [Float]

    public func weights(of network: Network) -> [Float] {
        parameters.enumerated().map { k, p in network.matrix[p.input, p.output] / scales[k] }
    }

    /// The loss of `network` (the fitted student as written: cut weights gone, its own warm-up)
    /// rendered as `dmm synth` renders it, against the same teacher samples: what the user will
    /// hear, checked rather than assumed. Nil when it no longer has what was compared.
    public func renderedLoss(of network: Network) -> Double? {
        var refs: [PortRef] = []
        for o in compared {
            let name = student.name(ofOutput: o), parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard let ref = network.output(parts[0], parts.count > 1 ? parts[1] : nil) else { return nil }
            refs.append(ref)
        }
        guard let r = try? Self.run(network, ticks: ticks, trace: !sound), let streams = r.streams(sound: sound, outputs: refs) else { return nil }
        return r.withSamples(streams) { meanSquaredError($0) }
    }

    /// One compared stream of a run: the sound's channel (read from the run's audio) or a
    /// signal output, and where its cotangent goes (the unit's input row or output).
    struct Stream {
        var channel: Int?
        var unit: Int, input: Bool, port: Int
    }

    /// What `run` did: the plan, its recording (when asked), the sound from time 0
    /// (interleaved stereo, a mono patch's left in both), the warm-up ticks before it.
    struct Run {
        var plan: TickPlan
        var trace: SignalTrace?
        var audio: [Float]
        var warm: Int
        var unitOf: [Int: Int]

        /// The streams compared: both channels of the sound (the audio.out unit's left and
        /// right rows; a mono patch's right is its left), or the signal `outputs` (recorded).
        /// Nil when the run does not have one.
        func streams(sound: Bool, outputs: [PortRef]) -> [Stream]? {
            if sound {
                guard let a = plan.audioNeuron, let u = unitOf[a] else { return nil }
                return [Stream(channel: 0, unit: u, input: true, port: 0),
                        Stream(channel: 1, unit: u, input: true, port: plan.audioIsMono ? 0 : 1)]
            }
            guard trace != nil else { return nil }
            var found: [Stream] = []
            for o in outputs {
                guard let u = unitOf[o.neuron], o.port < plan.outKind[o.neuron].count, plan.outKind[o.neuron][o.port] == .signal
                else { return nil }
                found.append(Stream(channel: nil, unit: u, input: false, port: o.port))
            }
            return found
        }

        /// Calls `body` with each stream's samples from time 0: a pointer and the distance
        /// between samples (2 in the interleaved sound).
        func withSamples<T>(_ streams: [Stream], _ body: ([(UnsafePointer<Float>, Int)]) -> T) -> T {
            let from = warm * max(1, plan.timing.samplesPerTick)
            return audio.withUnsafeBufferPointer { a in
                body(streams.map { s in
                    if let c = s.channel { return (a.baseAddress! + c, 2) }
                    let p = s.input ? trace!.input(s.unit, s.port) : trace!.output(s.unit, s.port)
                    return (UnsafePointer(p + from), 1)
                })
            }
        }
    }

    /// The loss: the mean over the compared samples of the squared difference from the
    /// teacher's, and with `cotangents` (one per stream, at time 0) dL/dsample added there.
    func meanSquaredError(_ samples: [(UnsafePointer<Float>, Int)], cotangents: [UnsafeMutablePointer<Float>]? = nil) -> Double {
        let S = ticks * samplesPerTick
        let count = Double(max(1, S * samples.count))
        var sum = 0.0
        for (c, (p, step)) in samples.enumerated() {
            targets[c].withUnsafeBufferPointer { t in
                if let g = cotangents?[c] {
                    for j in 0..<S {
                        let d = Double(p[j * step] - t[j])
                        sum += d * d
                        g[j] += Float(2 * d / count)
                    }
                } else {
                    for j in 0..<S { let d = Double(p[j * step] - t[j]); sum += d * d }
                }
            }
        }
        return sum / count
    }

    /// A plan of `network` from its warm-up start, run for warm-up + `ticks` ticks (with a
    /// recording when asked): what `dmm synth` runs, from the same first tick.
    static func run(_ network: Network, warm: Int? = nil, ticks: Int, trace: Bool,
                    make: (Int, Int, Int, [Int], [Int]) -> SignalTrace = { SignalTrace(startTick: $0, ticks: $1, samplesPerTick: $2, inputs: $3, outputs: $4) }) throws(FitError)
        -> Run {
        let warm = warm ?? network.warmUpTicks
        let plan: TickPlan
        do { plan = try TickPlan(network: network, startTick: -warm) } catch { throw FitError(error.description) }
        let n = max(1, network.timing.samplesPerTick)
        var unitOf: [Int: Int] = [:]
        for (u, i) in plan.signalNeurons.enumerated() { unitOf[i] = u }
        var recording: SignalTrace?
        if trace {
            let kinds = plan.signalNeurons.map { network.neurons[$0].kind }
            recording = make(-warm, warm + ticks, n, kinds.map(\.inputs.count), kinds.map(\.outputs.count))
            plan.signals.trace = recording
        }
        plan.runAudio(ticks: warm, audio: nil)
        var audio = [Float](repeating: 0, count: ticks * n * 2)
        audio.withUnsafeMutableBufferPointer { plan.runAudio(ticks: ticks, audio: $0.baseAddress) }
        plan.signals.trace = nil
        return Run(plan: plan, trace: recording, audio: audio, warm: warm, unitOf: unitOf)
    }

    /// The student at `weights` (a fitted weight of exactly 0 stays a term: an empty row would
    /// take its port's default instead).
    func network(at weights: [Float]) -> Network {
        var net = student
        for (k, p) in parameters.enumerated() {
            let w = weights[k] * scales[k]
            net.matrix.set(p.input, p.output, w, frozen: w == 0)
        }
        return net
    }

    public func evaluate(_ weights: [Float], gradient wantGradient: Bool = true) -> (loss: Double, gradient: [Double]) {
        let net = network(at: weights)
        var taken: [SignalTrace] = []
        defer { spare.withLock { pool in for t in taken where pool.count < 4 { pool.append(t) } } }
        /// A recording of this shape: a spare one cleared, or a new one.
        func recording(_ start: Int, _ count: Int, _ n: Int, _ ins: [Int], _ outs: [Int]) -> SignalTrace {
            let t = spare.withLock { pool -> SignalTrace? in
                guard let k = pool.firstIndex(where: { $0.matches(startTick: start, ticks: count, samplesPerTick: n, inputs: ins, outputs: outs) })
                else { return nil }
                return pool.remove(at: k)
            }
            t?.clear()
            let r = t ?? SignalTrace(startTick: start, ticks: count, samplesPerTick: n, inputs: ins, outputs: outs)
            taken.append(r)
            return r
        }
        guard let r = try? Self.run(net, warm: warmUpTicks, ticks: ticks, trace: true, make: recording), let trace = r.trace else {
            return (.infinity, Array(repeating: 0, count: wantGradient ? parameters.count : 0))
        }
        // Units are numbered by this run's plan; what to reverse was decided per neuron.
        let plan = r.plan, unitOf = r.unitOf, n = samplesPerTick, W = warmUpTicks * n, L = trace.lanes
        guard let streams = r.streams(sound: sound, outputs: compared) else {
            return (.infinity, Array(repeating: 0, count: wantGradient ? parameters.count : 0))
        }
        guard wantGradient else {
            let loss = r.withSamples(streams) { meanSquaredError($0) }
            return (loss.isFinite && loss < Self.largestLoss ? loss : .infinity, [])
        }
        // Cotangents: per unit, its inputs then its outputs, the trace's layout; the compared
        // streams' go to the audio.out rows or the outputs, from time 0.
        let kinds = plan.signalNeurons.map { net.neurons[$0].kind }
        let G = recording(trace.startTick, trace.ticks, n, kinds.map(\.inputs.count), kinds.map(\.outputs.count))
        let loss = r.withSamples(streams) { samples in
            meanSquaredError(samples, cotangents: streams.map { s in (s.input ? G.input(s.unit, s.port) : G.output(s.unit, s.port)) + W })
        }
        // A sound that overflows (or beyond what Float gradients can carry) has no usable
        // gradient: report it as infinite and do not move (the caller refuses such a result).
        guard loss.isFinite, loss < Self.largestLoss else {
            return (.infinity, Array(repeating: 0, count: parameters.count))
        }
        var paramOf: [WeightRef: Int] = [:]
        for (k, p) in parameters.enumerated() { paramOf[p] = k }
        var grad = Array(repeating: 0.0, count: parameters.count)
        let total = trace.ticks * n
        let ptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 64)
        let gptrs = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 64)
        defer { ptrs.deallocate(); gptrs.deallocate() }
        var ctx = KernelContext(net.timing, tick: trace.startTick)
        ctx.domain = .signal
        ctx.logicalCount = total
        /// Unit u's reverse: dL/d(inputs) added into G from dL/d(outputs).
        func reverseUnit(_ u: Int) {
            let i = plan.signalNeurons[u], kind = kinds[u]
            let nin = kind.inputs.count, nout = kind.outputs.count
            guard nin + nout <= 64, !kind.traits.contains(.audioOut) else { return }
            for p in 0..<nin { ptrs[p] = trace.input(u, p); gptrs[p] = G.input(u, p) }
            for o in 0..<nout { ptrs[nin + o] = trace.output(u, o); gptrs[nin + o] = G.output(u, o) }
            ctx.seed = plan.seed(for: i)
            let io = KernelIO(inputs: UnsafeBufferPointer(start: ptrs, count: nin),
                              outputs: UnsafeBufferPointer(start: ptrs + nin, count: nout), count: L, context: ctx)
            let grads = KernelGrads(outputGrads: UnsafeBufferPointer(start: gptrs + nin, count: nout),
                                    inputGrads: UnsafeBufferPointer(start: gptrs, count: nin))
            if let k = kind as? any DifferentiableSignal { k.backwardRun(io, grads) } else { kind.backward(io, grads) }
        }
        /// The down movement of unit u's rows, reversed: each weight's gradient (when
        /// `gradients`) and, for signal sources that `into` accepts, their output cotangents.
        func reverseRows(_ u: Int, gradients: Bool, into: (Int) -> Bool) {
            let i = plan.signalNeurons[u]
            for p in 0..<kinds[u].inputs.count {
                let g = G.input(u, p)
                for (o, e) in net.matrix.row(PortRef(i, p)) {
                    let k = gradients ? paramOf[WeightRef(input: PortRef(i, p), output: o)] : nil
                    if plan.constantSources.contains(o.neuron) {
                        guard let k else { continue }
                        let value = Double(plan.scalarPrev[plan.outSlot[o.neuron][o.port]])
                        grad[k] += FitKernels.sum(g, L) * value * Double(scales[k])   // padding lanes are zero
                    } else if let v = unitOf[o.neuron], plan.outKind[o.neuron][o.port] == .signal, plan.inKind[i][p] == .signal {
                        // Sample j reads the source at j − n: whole vectors, then the tail.
                        let src = trace.output(v, o.port), gsrc = G.output(v, o.port)
                        let c = total - n, body = c / 16 * 16
                        let back = reversed.contains(o.neuron) && e.weight != 0 && into(v), w = e.weight
                        guard back || k != nil else { continue }
                        var dot = 0.0
                        if back {
                            dot = FitKernels.dotAndAxpy(g + n, src, gsrc, w, accumulate: true, body)
                        } else {
                            dot = FitKernels.dot(g + n, src, body)
                        }
                        for j in body..<max(body, c) {
                            dot += Double(g[n + j]) * Double(src[j])
                            if back { gsrc[j] = gsrc[j].madd(w, g[n + j]) }
                        }
                        if let k { grad[k] += dot * Double(scales[k]) }
                    }
                }
            }
        }
        for step in plan.signals.order.reversed() {
            let members = step.units.filter { reversed.contains(plan.signalNeurons[$0]) }
            guard step.loop else {
                for u in members.reversed() { reverseUnit(u); reverseRows(u, gradients: true) { _ in true } }
                continue
            }
            // A loop through the matrix (feedback). Its members' output cotangents are those
            // from outside (fixed by now) plus what the members' inputs send round the loop,
            // one tick later. Each pass recomputes every member's input cotangents over the
            // whole run from the previous pass's; since every connection costs a tick and
            // every kind is causal, pass p is exact on the last p ticks, so `ticks + 1` passes
            // are the exact reverse. A loop that decays stops changing (bit for bit) far sooner.
            let inside = Set(members)
            var external: [[Float]] = [], previous: [[Float]] = []
            for u in members { for o in 0..<kinds[u].outputs.count { external.append(Array(UnsafeBufferPointer(start: G.output(u, o), count: L))) } }
            for pass in 0...trace.ticks {
                if pass > 0 {
                    var x = 0
                    for u in members {
                        for o in 0..<kinds[u].outputs.count {
                            external[x].withUnsafeBufferPointer { G.output(u, o).update(from: $0.baseAddress!, count: L) }
                            x += 1
                        }
                    }
                    for u in members { reverseRows(u, gradients: false) { inside.contains($0) } }
                }
                for u in members { for p in 0..<kinds[u].inputs.count { G.input(u, p).update(repeating: 0, count: L) } }
                for u in members { reverseUnit(u) }
                var now: [[Float]] = []
                for u in members { for p in 0..<kinds[u].inputs.count { now.append(Array(UnsafeBufferPointer(start: G.input(u, p), count: L))) } }
                if now == previous { break }
                previous = now
            }
            // The members' output cotangents now include the loop; what leaves it goes out.
            for u in members.reversed() { reverseRows(u, gradients: true) { !inside.contains($0) } }
        }
        guard grad.allSatisfy({ $0.isFinite && abs($0) < Self.largestLoss }) else {
            return (.infinity, Array(repeating: 0, count: parameters.count))
        }
        return (loss, grad)
    }

    /// Losses (and gradients) from here up are treated as infinite: past what Float carries.
    static let largestLoss = 1e30
}
