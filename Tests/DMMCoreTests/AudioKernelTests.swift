import Testing
import DMMCore
import Foundation

/// Audio kernels called directly, and the signal stroke's schedule.
@Suite struct AudioKernelTests {
    /// Buffers for one call of a kind: inputs, outputs, state.
    final class Call {
        let inputs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, outputs: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        let inputCount: Int, outputCount: Int
        let state: UnsafeMutableRawPointer
        let lanes: Int
        init(inputs nin: Int, outputs nout: Int, lanes: Int, stateBytes: Int) {
            self.lanes = lanes; inputCount = nin; outputCount = nout
            func buffer() -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutablePointer<Float>.allocate(capacity: lanes); p.initialize(repeating: 0, count: lanes); return p
            }
            inputs = .allocate(capacity: nin); outputs = .allocate(capacity: nout)
            for i in 0..<nin { (inputs + i).initialize(to: buffer()) }
            for i in 0..<nout { (outputs + i).initialize(to: buffer()) }
            state = .allocate(byteCount: max(16, stateBytes), alignment: 16)
            state.initializeMemory(as: UInt8.self, repeating: 0, count: max(16, stateBytes))
        }
        deinit {
            for i in 0..<inputCount { inputs[i].deallocate() }
            for i in 0..<outputCount { outputs[i].deallocate() }
            inputs.deallocate(); outputs.deallocate(); state.deallocate()
        }
        func io(count: Int, tick: Int) -> KernelIO {
            var ctx = KernelContext(tick: tick, secondsPerTick: Double(count) / 48_000, sampleRate: 48_000, logicalCount: count)
            ctx.domain = .signal
            return KernelIO(inputs: UnsafeBufferPointer(start: inputs, count: inputCount),
                            outputs: UnsafeBufferPointer(start: outputs, count: outputCount),
                            count: lanes, context: ctx, state: state)
        }
    }

    /// Thirty-seven feedback operators in one grouped call (SIMD across neurons, in chunks of
    /// 32) equal the same operators run one by one, for steady and moving inputs.
    @Test(arguments: [false, true])
    func groupedOperatorsEqualSingles(_ moving: Bool) throws {
        let op = try FMOp(config: .init())
        let count = 37, lanes = 256
        let grouped = (0..<count).map { _ in Call(inputs: 3, outputs: 1, lanes: lanes, stateBytes: op.stateBytes) }
        let single = (0..<count).map { _ in Call(inputs: 3, outputs: 1, lanes: lanes, stateBytes: op.stateBytes) }
        for block in 0..<3 {
            for m in 0..<count {
                for c in [grouped[m], single[m]] {
                    for j in 0..<lanes {
                        let t = Float(block * lanes + j)
                        c.inputs[0][j] = 60 + 37 * Float(m) + (moving ? 20 * sin(t / 300) : 0)
                        c.inputs[1][j] = 0.1 + 0.05 * Float(m % 7) + (moving ? 0.3 * sin(t / 77) : 0)
                        c.inputs[2][j] = moving ? 2 * sin(t / 50 + Float(m)) : 0
                    }
                }
            }
            let ios = grouped.map { $0.io(count: lanes, tick: block) }
            ios.withUnsafeBufferPointer { op.forwardGroup($0) }
            for c in single { op.forward(c.io(count: lanes, tick: block)) }
            var worst: Float = 0
            for m in 0..<count { for j in 0..<lanes { worst = max(worst, abs(grouped[m].outputs[0][j] - single[m].outputs[0][j])) } }
            #expect(worst < 2e-5, "block \(block): \(worst)")
        }
    }

    /// A signal-domain accumulator is a loop through the matrix (its implicit self weight): the
    /// plan runs it tick by tick inside a batch, block-wise y(t) = y(t−1) + x(t).
    @Test func loopsRunTickByTick() throws {
        var n = Network()
        n.timing.visual = false
        n.timing.block = 8
        _ = try n.add("o", OscSine(config: .init()))
        let acc = try n.add("acc", Accum(config: .init()))
        let out = try n.add("out", AudioOut(config: .init()))
        n.matrix.set(n.input("o", "freq")!, n.output("one")!, 1000)
        n.matrix.set(n.input("acc", "x")!, n.output("o")!, 0.01)
        n.matrix.set(n.input("out", "left")!, n.output("acc")!, 1)
        let a = try TickPlan(network: n), b = try TickPlan(network: n)
        let ticks = 300
        var one = [Float](repeating: 0, count: ticks * 16), many = one
        one.withUnsafeMutableBufferPointer { p in for k in 0..<ticks { a.tick(audio: p.baseAddress! + k * 16) } }
        many.withUnsafeMutableBufferPointer { b.runAudio(ticks: ticks, audio: $0.baseAddress) }
        var worst: Float = 0
        for j in 0..<one.count { worst = max(worst, abs(one[j] - many[j])) }
        #expect(worst < 1e-5)
        #expect(one.contains { $0 != 0 })
        #expect(b.signalOutput(neuron: acc).count == 8)
        _ = out
    }

    /// Every audio kind is registered, and bad configurations are refused (the shapes themselves
    /// are tested in RenderingTests: AudioOscillatorTests, AudioEnvelopeFilterTests).
    @Test func audioKindsAreRegisteredAndCheckTheirConfiguration() throws {
        let names = KindRegistry.builtins.names
        for k in ["osc.sine", "osc.saw", "osc.pulse", "osc.tri", "lf.saw", "lf.pulse", "lf.tri", "phasor", "noise.white",
                  "noise.pink", "env.adsr", "env.breakpoints", "filter.lowpass", "filter.highpass", "filter.bandpass",
                  "onepole", "delay", "fm.op", "audio.out", "sin", "mul", "tanh"] {
            #expect(names.contains(k), "\(k) is not registered")
        }
        #expect(throws: KindError.self) { try EnvBreakpoints(config: NeuronConfig([("points", .string("0 1, 1"))])) }
        #expect(throws: KindError.self) { try EnvBreakpoints(config: NeuronConfig([("points", .string("1 0, 0.5 1"))])) }
        #expect(throws: KindError.self) { try Delay(config: NeuronConfig([("max", .number(-1))])) }
        #expect(try AudioOut(config: .init()).traits.contains(.audioOut))
        #expect(try OscSaw(config: .init()).traits.contains(.notDifferentiable))
    }

    /// A signal can feed a signal input but never a field: the loader names the connection.
    @Test func signalsDoNotFeedFields() throws {
        var n = Network()
        let o = try n.add("o", OscSine(config: .init()))
        let pic = try n.add("pic", RGB(config: .init()))
        n.matrix.set(PortRef(pic, 0), PortRef(o, 0), 1)
        #expect(throws: NetworkError.self) { try n.domains() }
    }
}
