import Testing
import DMMCore
import Foundation

/// Every audio kernel on extreme inputs (1e10, 1e30, ±inf, NaN, −0, subnormals): no trap,
/// finite outputs from the generators, and no state poisoned for the blocks after.
@Suite struct KernelTotalityTests {
    static let extremes: [Float] = [1e10, 1e30, -1e30, .infinity, -.infinity, .nan, -0.0, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude / 8, .greatestFiniteMagnitude]

    /// Kinds whose output is made by the kernel (not a pass-through of an input signal):
    /// finite whatever their inputs are.
    static let generators: [any NeuronKind] = {
        let c = NeuronConfig()
        return [try! OscSine(config: c), try! FMOp(config: c), try! OscSaw(config: c), try! OscTri(config: c),
                try! OscPulse(config: c), try! LFSaw(config: c), try! LFPulse(config: c), try! LFTri(config: c),
                try! Phasor(config: c), try! EnvADSR(config: c), try! EnvBreakpoints(config: c),
                try! NoiseWhite(config: c), try! NoisePink(config: c)]
    }()

    /// Kinds that pass an input signal through (a NaN in may be a NaN out for that block).
    static let processors: [any NeuronKind] = {
        let c = NeuronConfig()
        return [try! Delay(config: c), try! FilterLowpass(config: c), try! FilterHighpass(config: c),
                try! FilterBandpass(config: c), try! OnePole(config: c)]
    }()

    static func run(_ kind: any NeuronKind, value: Float, lanes: Int = 64) -> (during: [Float], after: [Float]) {
        let call = AudioKernelTests.Call(inputs: max(1, kind.inputs.count), outputs: kind.outputs.count, lanes: lanes,
                                         stateBytes: kind.stateBytes)
        var during: [Float] = [], after: [Float] = []
        for block in 0..<6 {
            for p in 0..<kind.inputs.count { for j in 0..<lanes { call.inputs[p][j] = block < 3 ? value : 0 } }
            kind.forward(call.io(count: lanes, tick: block))
            let out = Array(UnsafeBufferPointer(start: call.outputs[0], count: lanes))
            if block < 3 { during += out } else if block > 3 { after += out }
        }
        return (during, after)
    }

    @Test(arguments: extremes) func generatorsStayFinite(_ v: Float) {
        for kind in Self.generators {
            let r = Self.run(kind, value: v)
            #expect(r.during.allSatisfy { $0.isFinite }, "\(type(of: kind).name) on \(v): \(r.during.first { !$0.isFinite } ?? 0)")
            #expect(r.after.allSatisfy { $0.isFinite }, "\(type(of: kind).name) after \(v)")
            #expect(r.during.allSatisfy { abs($0) <= 2 }, "\(type(of: kind).name) on \(v) left its range")
        }
    }

    @Test(arguments: extremes) func processorsRecover(_ v: Float) {
        for kind in Self.processors {
            let r = Self.run(kind, value: v)
            #expect(r.after.allSatisfy { $0.isFinite }, "\(type(of: kind).name) still non-finite after \(v) went away")
            if v.isFinite && abs(v) <= 1e10 { #expect(r.during.allSatisfy { $0.isFinite }, "\(type(of: kind).name) on \(v)") }
        }
    }

    /// Grouped feedback operators (SIMD across neurons) on the same extremes.
    @Test(arguments: extremes) func groupedOperatorsStayFinite(_ v: Float) throws {
        let op = try FMOp(config: .init())
        let calls = (0..<20).map { _ in AudioKernelTests.Call(inputs: 3, outputs: 1, lanes: 64, stateBytes: op.stateBytes) }
        for block in 0..<4 {
            for (m, c) in calls.enumerated() {
                for j in 0..<64 {
                    c.inputs[0][j] = m % 2 == 0 ? v : 440
                    c.inputs[1][j] = block < 2 ? v : 0.5
                    c.inputs[2][j] = m % 3 == 0 ? v : Float(j)
                }
            }
            let ios = calls.map { $0.io(count: 64, tick: block) }
            ios.withUnsafeBufferPointer { op.forwardGroup($0) }
            for c in calls {
                #expect(UnsafeBufferPointer(start: c.outputs[0], count: 64).allSatisfy { $0.isFinite && abs($0) <= 1.01 }, "fm.op group on \(v)")
            }
        }
    }

    /// The fast sine and cosine: accurate and bounded over the documented range (|x| ≤ 1e4),
    /// and for any argument a call that returns (no trap), NaN for NaN and ±inf as IEEE says.
    @Test func fastSineOverItsRangeAndBeyond() {
        for x: Float in [-1e4, -12345.678 / 2, -3, -0.0, Float.leastNonzeroMagnitude, 0.1, 1, 3, 100, 9999.5] {
            let s = FastMath.sin(FastMath.V(repeating: x))[0], c = FastMath.cos(FastMath.V(repeating: x))[0]
            #expect(abs(s - Float(Foundation.sin(Double(x)))) < 1e-3, "sin(\(x)) = \(s)")
            #expect(abs(c - Float(Foundation.cos(Double(x)))) < 1e-3, "cos(\(x)) = \(c)")
        }
        for x: Float in [1e10, -1e30, .greatestFiniteMagnitude] { _ = FastMath.sin(FastMath.V(repeating: x)) }
        #expect(FastMath.sin(FastMath.V(repeating: .nan))[0].isNaN)
        #expect(FastMath.sin(FastMath.V(repeating: .infinity))[0].isNaN)
    }

    /// A scheduled edit's tick numbers are range-checked before the conversion to Int.
    @Test(arguments: [1e300, -1e300, Double.nan, Double.infinity, 0.5])
    func scheduledEditRejectsImpossibleTicks(_ at: Double) {
        #expect(throws: KindError.self) { _ = try ScheduledEdit(config: NeuronConfig([("at", .number(at))])) }
    }

    /// Video feedback with a runaway zoom, rotation, offset or displacement, under every edge
    /// mode, never traps on the pixel index conversion and gives finite pixels (reading 0 outside
    /// the frame with the black edge).
    @Test(arguments: extremes) func feedbackGeometryIsTotal(_ v: Float) throws {
        for edge in Feedback.Edge.allCases {
            let fb = try Feedback(config: NeuronConfig([("edge", .string(edge.rawValue))]))
            let w = 8, h = 8, lanes = 64
            for port in 1...6 {
                let call = AudioKernelTests.Call(inputs: 7, outputs: 1, lanes: lanes, stateBytes: 0)
                for j in 0..<lanes { call.inputs[0][j] = Float(j % 7) / 7; call.inputs[1][j] = 1 }
                for j in 0..<lanes { call.inputs[port][j] = v }
                var ctx = KernelContext(tick: 0, width: w, height: h, logicalCount: lanes)
                ctx.domain = .field
                fb.forward(KernelIO(inputs: UnsafeBufferPointer(start: call.inputs, count: 7),
                                    outputs: UnsafeBufferPointer(start: call.outputs, count: 1), count: lanes, context: ctx, state: nil))
                #expect(UnsafeBufferPointer(start: call.outputs[0], count: lanes).allSatisfy { $0.isFinite }, "edge \(edge) port \(port) = \(v)")
            }
        }
    }

    /// Pixels from any value: ±inf saturate, NaN gives one fixed byte (no trap, no garbage).
    @Test func quantiserIsTotal() {
        #expect(Quantizer.byte(.infinity) == 255)
        #expect(Quantizer.byte(-.infinity) == 0)
        #expect(Quantizer.byte(1e30) == 255 && Quantizer.byte(-1e30) == 0)
        #expect(Quantizer.byte(.nan) == Quantizer.byte(-.nan))
        #expect(Quantizer.byte(-0.0) == Quantizer.byte(0))
    }
}
