import DMMCore
import DMMTestSupport
import Fitting
import Foundation
import PatchLanguage
import Rendering
import Testing

/// Students that sound (`SignalBackprop`): the loss against a Double evaluation of both patches
/// written here and against the renderer, the gradient against central differences of the
/// loss, fits that recover a teacher's weights, sparsification of an over-complete additive
/// bank, and the refusals.
@Suite struct SoundDistillationTests {
    static let rate = 8000.0, block = 32

    /// Two sines (freq, pm), a tanh of their mix, and the sound (`DistillationPatches.twoSines`).
    static func patch(_ v: [Double]) -> String { DistillationPatches.twoSines(v) }
    static let teacherValues = [220.0, 330, 0.7, 1.5, 0.8, 0.3, 0.2]
    static let studentValues = [221.0, 329, 0.2, 1.0, 0.5, 0.5, 0.1]

    /// The sound of `patch(v)` in Double, written from the DMM rules, not from the engine: the
    /// run starts `warm` ticks before time 0 with every phase at 0, a sine's phase advances by
    /// freq/rate per sample (x_k = k·f/rate), and every connection reads its source one tick
    /// (`block` samples) earlier. Returns the samples from time 0 on.
    static func reference(_ v: [Double], warm: Int, samples: Int, neuron: String = "out") -> [Double] {
        let n = block, total = warm * n + samples
        func at(_ x: [Double], _ k: Int) -> Double { k >= 0 ? x[k] : 0 }
        let a = (0..<total).map { sin(2 * Double.pi * Double($0) * v[0] / rate) }
        let b = (0..<total).map { sin(2 * Double.pi * Double($0) * v[1] / rate + v[2]) }
        let sat = (0..<total).map { tanh(v[3] * at(a, $0 - n) + v[4] * at(b, $0 - n)) }
        let out = (0..<total).map { v[5] * at(sat, $0 - n) + v[6] * at(b, $0 - n) }
        return Array((neuron == "sat" ? sat : out)[(warm * n)...])
    }

    static func engine(student: [Double] = studentValues, teacher: [Double] = teacherValues, ticks: Int = 60) throws -> (SignalBackprop, Network) {
        let s = try TestPatches.network(patch(student)), t = try TestPatches.network(patch(teacher))
        return (try SignalBackprop(student: s, teacher: t, outputs: nil, ticks: ticks), s)
    }

    @Test func lossIsTheMeanSquaredErrorOfTheSoundAgainstAReferenceAndTheRenderer() throws {
        let ticks = 60
        let (engine, student) = try Self.engine(ticks: ticks)
        let warm = student.warmUpTicks
        #expect(warm == 2)
        let samples = ticks * Self.block
        let s = Self.reference(Self.studentValues, warm: warm, samples: samples)
        let t = Self.reference(Self.teacherValues, warm: warm, samples: samples)
        let expected = zip(s, t).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(samples)
        let loss = engine.evaluate(engine.weights(of: student), gradient: false).loss
        #expect(expected > 1e-3)
        #expect(abs(loss - expected) <= 2e-3 * expected, "engine \(loss) vs reference \(expected)")

        // The renderer (`dmm synth`'s path, mono: one channel) gives the same number.
        let seconds = Double(ticks * Self.block) / Self.rate
        let rs = try AudioRenderer.renderSamples(network: student, seconds: seconds)
        let rt = try AudioRenderer.renderSamples(network: try TestPatches.network(Self.patch(Self.teacherValues)), seconds: seconds)
        #expect(rs.channels == 1 && rs.samples.count == samples)
        let rendered = zip(rs.samples, rt.samples).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(samples)
        #expect(abs(loss - rendered) <= 1e-6 * rendered, "engine \(loss) vs renderer \(rendered)")
        #expect(engine.renderedLoss(of: student).map { abs($0 - rendered) <= 1e-6 * rendered } == true)
    }

    @Test func gradientMatchesCentralDifferences() throws {
        let (engine, student) = try Self.engine()
        let w = engine.weights(of: student)
        #expect(engine.parameters.count == 7)
        let g = engine.evaluate(w, gradient: true).gradient
        for k in w.indices {
            // A small step: over a quarter second a 1 Hz change turns a phase by 1.5 rad, so a
            // frequency needs a step of 0.01 Hz for the difference to stay in the linear range.
            let raw = Double(w[k] * engine.scales[k]), h = Float(min(max(abs(raw), 1), 5) * 2e-3) / engine.scales[k]
            var plus = w, minus = w
            plus[k] += h; minus[k] -= h
            let fd = (engine.evaluate(plus, gradient: false).loss - engine.evaluate(minus, gradient: false).loss)
                / Double(plus[k] - minus[k])
            let scale = max(abs(fd), abs(g[k]), 1e-4)
            #expect(abs(fd - g[k]) <= 2e-2 * scale, "parameter \(engine.parameters[k]): analytic \(g[k]) vs central \(fd)")
        }
    }

    @Test func theGradientDoesNotDependOnTheBlockSize() throws {
        // block 32 and block 8 are different programs (warm-up, batching, ticks); the same
        // sound up to the extra delays, so compare each against its own central differences.
        let text = Self.patch(Self.studentValues).replacingOccurrences(of: "block 32", with: "block 8")
        let s = try TestPatches.network(text)
        let t = try TestPatches.network(Self.patch(Self.teacherValues).replacingOccurrences(of: "block 32", with: "block 8"))
        let engine = try SignalBackprop(student: s, teacher: t, outputs: nil, ticks: 240)
        let w = engine.weights(of: s), g = engine.evaluate(w, gradient: true).gradient
        for k in w.indices {
            let raw = Double(w[k] * engine.scales[k]), h = Float(min(max(abs(raw), 1), 5) * 2e-3) / engine.scales[k]
            var plus = w, minus = w
            plus[k] += h; minus[k] -= h
            let fd = (engine.evaluate(plus, gradient: false).loss - engine.evaluate(minus, gradient: false).loss) / Double(plus[k] - minus[k])
            #expect(abs(fd - g[k]) <= 2e-2 * max(abs(fd), abs(g[k]), 1e-4), "block 8, \(engine.parameters[k]): \(g[k]) vs \(fd)")
        }
    }

    @Test func aDistillationRecoversTheTeachersWeights() throws {
        let (engine, student) = try Self.engine()
        var o = DistillOptions()
        o.steps = 5000; o.learningRate = 0.01
        let d = try Distiller(student: student, outputs: [PortRef(try #require(student.index(of: "out")), 0)], engines: [engine], options: o)
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        #expect(r.loss < 1e-9, "loss \(r.loss)")
        // In the patch's units (Adam works in units of each weight's starting size).
        let fitted = zip(engine.weights(of: r.network), engine.scales).map { $0 * $1 }
        let teacher = zip(engine.weights(of: try TestPatches.network(Self.patch(Self.teacherValues))), engine.scales).map { $0 * $1 }
        // Frequencies move in plain steps (integrated into a phase), levels in their own size.
        #expect(engine.scales.allSatisfy { $0 == 1 })
        for (k, p) in engine.parameters.enumerated() {
            #expect(abs(fitted[k] - teacher[k]) <= 1e-3 * max(1, abs(teacher[k])), "\(p): \(fitted[k]) vs teacher \(teacher[k])")
        }
    }

    /// The shipped subtractive pair: the student's lowpass (cutoff 1500 Hz, res 0.05, level
    /// 0.2) finds the teacher's (700 Hz, 0.3, level 0.4) through the filter's reverse; the
    /// saw's frequency has no gradient and stays, named.
    @Test func theFiltersCutoffAndResonanceAreFoundByEar() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let student = try PatchLoader.load(path: root + "/patches/subtractive-student.dmm").network
        let teacher = try PatchLoader.load(path: root + "/patches/sound-teacher.dmm").network
        let engine = try SignalBackprop(student: student, teacher: teacher, outputs: nil, ticks: 250)
        #expect(engine.parameters.count == 4)
        #expect(engine.heldFixed.map { student.name(ofInput: $0.weight.input) } == ["saw.freq"])
        var o = DistillOptions()
        o.steps = 600; o.learningRate = 0.01
        let d = try Distiller(student: student, outputs: [PortRef(try #require(student.index(of: "out")), 0)], engines: [engine], options: o)
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        let net = r.network
        let lp = try #require(net.index(of: "lp")), out = try #require(net.index(of: "out")), saw = try #require(net.index(of: "saw"))
        let cutoff = net.matrix[PortRef(lp, 1), PortRef(0, 0)], res = net.matrix[PortRef(lp, 2), PortRef(0, 0)]
        let level = net.matrix[PortRef(lp, 0), PortRef(saw, 0)] * net.matrix[PortRef(out, 0), PortRef(lp, 0)]
        #expect(abs(cutoff - 700) < 0.5 && abs(res - 0.3) < 1e-3 && abs(level - 0.4) < 1e-3, "cutoff \(cutoff), res \(res), level \(level)")
        #expect(r.loss < 1e-10, "loss \(r.loss)")
    }

    /// An additive bank of eight partials of 110 Hz (frequencies frozen) against a teacher
    /// that has three of them: pruning keeps exactly those three, at the teacher's gains.
    @Test func pruningAnOvercompleteBankKeepsTheTeachersPartials() throws {
        let partials = 1...8
        let gains: [Int: Double] = [1: 0.4, 3: -0.25, 6: 0.12]
        func bank(_ gain: (Int) -> Double) -> String {
            var s = "rate 8000\nblock 16\n"
            for k in partials { s += "p\(k): osc.sine\n" }
            s += "out: audio.out\n"
            for k in partials { s += "p\(k).freq = \(110 * k)!\n" }
            let terms = partials.compactMap { k in gain(k) == 0 ? nil : "\(gain(k)) p\(k)" }
            s += "out.left = " + terms.joined(separator: " + ").replacingOccurrences(of: "+ -", with: "- ") + "\n"
            return s
        }
        let teacher = try TestPatches.network(bank { gains[$0] ?? 0 })
        let student = try TestPatches.network(bank { _ in 0.05 })
        let engine = try SignalBackprop(student: student, teacher: teacher, outputs: nil, ticks: 200)
        #expect(engine.parameters.count == 8)
        var o = DistillOptions()
        o.steps = 1500; o.learningRate = 0.01; o.prune = true; o.targetLoss = 1e-6
        o.rampSteps = 150; o.rampPolishSteps = 100; o.pruneSchedule.polishSteps = 500
        let d = try Distiller(student: student, outputs: [PortRef(try #require(student.index(of: "out")), 0)], engines: [engine], options: o)
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        let kept = Set(r.network.matrix.row(PortRef(try #require(r.network.index(of: "out")), 0)).map { r.network.neurons[$0.output.neuron].name })
        #expect(kept == ["p1", "p3", "p6"], "kept \(kept.sorted())")
        #expect(r.activeWeights == 3)
        #expect(r.loss <= 1e-6, "loss \(r.loss)")
        let out = try #require(r.network.index(of: "out"))
        for (k, g) in gains {
            let w = r.network.matrix[PortRef(out, 0), PortRef(try #require(r.network.index(of: "p\(k)")), 0)]
            #expect(abs(Double(w) - g) <= 2e-3, "p\(k): \(w) vs \(g)")
        }
        #expect((engine.renderedLoss(of: r.network) ?? 1) <= 1e-6)
    }

    /// `--outputs sat`: a named signal output is compared sample by sample from time 0; only the
    /// weights upstream of it are fitted, and their gradients match central differences.
    @Test func namedSignalOutputsAreComparedSampleBySample() throws {
        let s = try TestPatches.network(Self.patch(Self.studentValues)), t = try TestPatches.network(Self.patch(Self.teacherValues))
        let sat = try #require(s.output("sat")), tsat = try #require(t.output("sat"))
        let engine = try SignalBackprop(student: s, teacher: t, outputs: [(student: sat, teacher: tsat)], ticks: 60)
        #expect(engine.parameters.count == 5)
        #expect(!engine.parameters.contains { $0.input.neuron == (s.index(of: "out") ?? -1) })
        let samples = 60 * Self.block
        let a = Self.reference(Self.studentValues, warm: 2, samples: samples, neuron: "sat")
        let b = Self.reference(Self.teacherValues, warm: 2, samples: samples, neuron: "sat")
        let expected = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(samples)
        let w = engine.weights(of: s)
        let e = engine.evaluate(w, gradient: true)
        #expect(abs(e.loss - expected) <= 2e-3 * expected, "engine \(e.loss) vs reference \(expected)")
        for k in w.indices {
            let raw = Double(w[k] * engine.scales[k]), h = Float(min(max(abs(raw), 1), 5) * 2e-3) / engine.scales[k]
            var plus = w, minus = w
            plus[k] += h; minus[k] -= h
            let fd = (engine.evaluate(plus, gradient: false).loss - engine.evaluate(minus, gradient: false).loss) / Double(plus[k] - minus[k])
            #expect(abs(fd - e.gradient[k]) <= 2e-2 * max(abs(fd), abs(e.gradient[k]), 1e-4), "\(engine.parameters[k]): \(e.gradient[k]) vs \(fd)")
        }
    }

    /// Interrupted every 37 steps (two starts in parallel, the main fit, the ramp, the pruner),
    /// saved through the checkpoint encoding and resumed, a sound distillation ends in exactly
    /// the state of an uninterrupted one.
    @Test func anInterruptedSoundDistillationResumesToTheSameState() throws {
        let (engine, student) = try Self.engine(ticks: 30)
        let outs = [PortRef(try #require(student.index(of: "out")), 0)]
        var o = DistillOptions()
        o.steps = 120; o.learningRate = 0.01; o.restarts = 2; o.trialSteps = 40; o.prune = true
        o.rampSteps = 30; o.rampPolishSteps = 20; o.targetLoss = 1e-2; o.seed = 3
        o.pruneSchedule.polishSteps = 60; o.pruneSchedule.maxRecoverySteps = 30; o.pruneSchedule.maxFailures = 3
        let whole = try Distiller(student: student, outputs: outs, engines: [engine], options: o)
        guard case .finished(let want) = whole.run() else { Issue.record("the uninterrupted run stopped"); return }
        let stop = DistillResumeTests.StopEvery(every: 37)
        var d = try Distiller(student: student, outputs: outs, engines: [engine], options: o)
        var legs = 0
        while legs < 1000 {
            guard case .interrupted(let state) = d.run(shouldStop: { stop.shouldStop }, progress: { _ in stop.stepped() }) else { break }
            legs += 1
            let saved = try DistillCheckpoint.decode(try DistillCheckpoint.encode(state), name: "test checkpoint")
            stop.resume()
            d = try Distiller(resuming: saved, student: student, outputs: outs, engines: [engine], options: o, name: "test checkpoint")
        }
        #expect(legs > 3)
        #expect(d.state == whole.state)
        guard case .finished(let got) = d.run() else { Issue.record("not finished"); return }
        #expect(got.losses == want.losses && got.activeWeights == want.activeWeights)
    }

    // MARK: loops through the matrix

    /// Feedback twice: a delay → onepole → tanh → delay loop fed by a sine, and a sine whose
    /// phase reads its own output a tick earlier (FM feedback through the matrix).
    /// v: a.freq, b.freq, b.pm ← b, d.in ← a, d.in ← sat, d.time, lp.cutoff, sat.x ← lp, out ← sat, a, b.
    static func loopPatch(_ v: [Double]) -> String {
        """
        rate 8000
        block 16
        a: osc.sine
        b: osc.sine
        d: delay(max: 0.05)
        lp: onepole
        sat: tanh
        out: audio.out
        a.freq = \(v[0])
        b.freq = \(v[1])
        b.pm = \(v[2]) b
        d.in = \(v[3]) a + \(v[4]) sat
        d.time = \(v[5])
        lp.in = d
        lp.cutoff = \(v[6])
        sat.x = \(v[7]) lp
        out.left = \(v[8]) sat + \(v[9]) a + \(v[10]) b

        """
    }
    static let loopTeacher = [220.0, 330, 0.4, 0.5, 0.6, 0.01255, 1200, 1.5, 0.5, 0.2, 0.3]
    static let loopStudent = [220.0, 330, 0.25, 0.5, 0.45, 0.01255, 1500, 1.2, 0.4, 0.25, 0.3]

    /// The loop patch's sound in Double, sample by sample from the run's first sample: every
    /// connection reads its source one tick (16 samples) earlier, the delay reads 100.4 samples
    /// back between two samples, the onepole is y += a·(x − y) with a = 1 − e^(−2π·cutoff/rate).
    static func loopReference(_ v: [Double], warm: Int, samples: Int) -> [Double] {
        let n = 16, total = warm * n + samples
        var a = [Double](repeating: 0, count: total), b = a, din = a, d = a, lp = a, sat = a, out = a
        func at(_ x: [Double], _ k: Int) -> Double { k >= 0 ? x[k] : 0 }
        let delay = Double(Float(v[5])) * rate, whole = Int(delay), f = delay - Double(whole)
        let coef = 1 - exp(-2 * Double.pi * Double(Float(v[6])) / rate)
        var y = 0.0
        for k in 0..<total {
            a[k] = sin(2 * Double.pi * v[0] * Double(k) / rate)
            b[k] = sin(2 * Double.pi * v[1] * Double(k) / rate + v[2] * at(b, k - n))
            din[k] = v[3] * at(a, k - n) + v[4] * at(sat, k - n)
            d[k] = at(din, k - whole) + (at(din, k - whole - 1) - at(din, k - whole)) * f
            y += coef * (at(d, k - n) - y)
            lp[k] = y
            sat[k] = tanh(v[7] * at(lp, k - n))
            out[k] = v[8] * at(sat, k - n) + v[9] * at(a, k - n) + v[10] * at(b, k - n)
        }
        return Array(out[(warm * n)...])
    }

    @Test func loopsThroughTheMatrixHaveTheirLossAndGradient() throws {
        let s = try TestPatches.network(Self.loopPatch(Self.loopStudent)), t = try TestPatches.network(Self.loopPatch(Self.loopTeacher))
        let ticks = 150   // 0.3 s: the loop goes round about twenty times
        let engine = try SignalBackprop(student: s, teacher: t, outputs: nil, ticks: ticks)
        #expect(engine.parameters.count == 12)
        let samples = ticks * 16
        let sr = Self.loopReference(Self.loopStudent, warm: s.warmUpTicks, samples: samples)
        let tr = Self.loopReference(Self.loopTeacher, warm: t.warmUpTicks, samples: samples)
        let expected = zip(sr, tr).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(samples)
        let w = engine.weights(of: s)
        let e = engine.evaluate(w, gradient: true)
        #expect(expected > 1e-4)
        #expect(abs(e.loss - expected) <= 5e-3 * expected, "engine \(e.loss) vs reference \(expected)")
        for k in w.indices {
            // The delay time (100.4 samples) by a thousandth of a sample: the read is linear only
            // between two samples.
            let isTime = s.name(ofInput: engine.parameters[k].input) == "d.time"
            let raw = Double(w[k] * engine.scales[k])
            let h = (isTime ? Float(1e-3 / Self.rate) : Float(min(max(abs(raw), 1), 5) * 2e-3)) / engine.scales[k]
            var plus = w, minus = w
            plus[k] += h; minus[k] -= h
            let fd = (engine.evaluate(plus, gradient: false).loss - engine.evaluate(minus, gradient: false).loss) / Double(plus[k] - minus[k])
            #expect(abs(fd - e.gradient[k]) <= 2e-2 * max(abs(fd), abs(e.gradient[k]), 1e-5),
                    "\(s.name(ofInput: engine.parameters[k].input)) ← \(s.name(ofOutput: engine.parameters[k].output)): \(e.gradient[k]) vs \(fd)")
        }
    }

    /// A loop's gain and an FM feedback through the matrix find the teacher's. Along the loop
    /// only products are heard (the delay and the onepole are linear: d.in × lp.in × sat.x), so
    /// those are what is compared; the cutoff, started at the teacher's, stays there.
    @Test func aLoopsGainAndFeedbackAreRecovered() throws {
        var start = Self.loopTeacher
        start[2] = 0.25; start[4] = 0.45; start[7] = 1.2
        let s = try TestPatches.network(Self.loopPatch(start)), t = try TestPatches.network(Self.loopPatch(Self.loopTeacher))
        let engine = try SignalBackprop(student: s, teacher: t, outputs: nil, ticks: 150)
        var o = DistillOptions()
        o.steps = 1500; o.learningRate = 0.01
        let d = try Distiller(student: s, outputs: [PortRef(try #require(s.index(of: "out")), 0)], engines: [engine], options: o)
        guard case .finished(let r) = d.run() else { Issue.record("interrupted"); return }
        let net = r.network
        func weight(_ input: String, _ port: String, _ source: String) throws -> Float {
            net.matrix[try #require(net.input(input, port)), try #require(net.output(source))]
        }
        #expect(r.loss < 1e-8, "loss \(r.loss)")
        let along = try weight("lp", "in", "d") * weight("sat", "x", "lp")
        let loop = try weight("d", "in", "sat") * along, feed = try weight("d", "in", "a") * along
        let feedback = try weight("b", "pm", "b"), cutoff = try weight("lp", "cutoff", "one")
        #expect(abs(loop - 0.9) < 2e-3, "loop gain \(loop)")
        #expect(abs(feed - 0.75) < 2e-3, "feed \(feed)")
        #expect(abs(feedback - 0.4) < 1e-3, "FM feedback \(feedback)")
        #expect(abs(cutoff - 1200) < 5, "cutoff \(cutoff)")
    }

    /// Samples are compared one for one, so the blocks may differ: a sine at block 8 against
    /// the same sine at block 32 (one connection each: the same sound from time 0) has a loss
    /// of rounding, and the teacher runs as many of its ticks as cover the student's samples.
    @Test func aTeacherAtAnotherBlockIsComparedSampleForSample() throws {
        let sine = "rate 8000\nblock 32\na: osc.sine\nout: audio.out\na.freq = 220\nout.left = 0.5 a\n"
        let student = try TestPatches.network(sine.replacingOccurrences(of: "block 32", with: "block 8"))
        let teacher = try TestPatches.network(sine)
        let engine = try SignalBackprop(student: student, teacher: teacher, outputs: nil, ticks: 101)   // 808 samples: 25.25 teacher ticks
        #expect(engine.evaluate(engine.weights(of: student), gradient: false).loss < 1e-10)
        let off = try TestPatches.network(sine.replacingOccurrences(of: "block 32", with: "block 8").replacingOccurrences(of: "0.5 a", with: "0.4 a"))
        let offEngine = try SignalBackprop(student: off, teacher: teacher, outputs: nil, ticks: 101)
        let loss = offEngine.evaluate(offEngine.weights(of: off), gradient: false).loss
        // 0.1² × the mean of sin² over 808 samples (≈ ½).
        #expect(abs(loss - 0.005) < 2e-4, "\(loss)")
    }

    @Test func weightsWithoutAGradientStayAndAreNamed() throws {
        let text = """
            rate 8000
            block 32
            s: osc.saw
            a: osc.sine
            out: audio.out
            s.freq = 110
            a.freq = 220
            out.left = 0.3 s + 0.2 a

            """
        let net = try TestPatches.network(text)
        let engine = try SignalBackprop(student: net, teacher: net, outputs: nil, ticks: 20)
        let names = engine.parameters.map { "\(net.name(ofInput: $0.input))<-\(net.name(ofOutput: $0.output))" }
        #expect(Set(names) == ["a.freq<-one", "out.left<-s", "out.left<-a"])
        #expect(engine.heldFixed.map { net.name(ofInput: $0.weight.input) } == ["s.freq"])
        #expect(engine.heldFixed.first?.reason.contains("osc.saw") == true)
        #expect(engine.evaluate(engine.weights(of: net), gradient: false).loss == 0)
    }

    @Test func studentsTheFitterCannotTakeAreRefusedInOneLine() throws {
        let base = "rate 8000\nblock 32\na: osc.sine\nout: audio.out\na.freq = 220\nout.left = 0.5 a\n"
        let teacher = try TestPatches.network(base)
        func refusal(_ text: String, _ t: Network = teacher) throws -> String {
            do {
                _ = try SignalBackprop(student: try TestPatches.network(text), teacher: t, outputs: nil, ticks: 10)
                return ""
            } catch { return "\(error)" }
        }
        let rate = try refusal(base.replacingOccurrences(of: "rate 8000", with: "rate 16000"))
        #expect(rate.contains("16000") && rate.contains("8000"), "\(rate)")
        let tree = try refusal(base + "c: const(tree: \"{a: 1}\")\n")
        #expect(tree.contains("'c'") && tree.contains("tree"), "\(tree)")
        let silent = try refusal(base, try TestPatches.network("rate 8000\nblock 32\na: osc.sine\na.freq = 220\n"))
        #expect(silent.contains("teacher has no audio.out"), "\(silent)")
        // Sounds past what Float carries: a student too loud to have a gradient, a teacher that overflows.
        let loud = try refusal(base.replacingOccurrences(of: "0.5 a", with: "1e38 a"))
        #expect(loud.contains("student's sound at its starting weights is not finite"), "\(loud)")
        let overflow = try refusal(base, try TestPatches.network(base.replacingOccurrences(of: "0.5 a", with: "3e38 a + 3e38 b") + "b: osc.sine\nb.freq = 220\n"))
        #expect(overflow.contains("teacher's sound is not finite"), "\(overflow)")
        for m in [rate, tree, silent, loud, overflow] { #expect(!m.contains("\n")) }
    }
}
