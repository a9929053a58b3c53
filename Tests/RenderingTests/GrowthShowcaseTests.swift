import DMMCore
import Foundation
import MediaIO
import PatchLanguage
import Rendering
import Testing

/// patches/grow.dmm: `grow` clones the cell (c, d, v) at the end of ticks 8, 24, 40, 56 and
/// 72; generation k's rows are the cell's × 2^k and its weights into the picture and the sound
/// × 0.5^k, so the picture gains an octave of detail and the drone an octave per growth.
@Suite struct GrowthShowcaseTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("patches/grow.dmm").path
    /// Written from the patch's `at: 8, every: 16, times: 5`, not read from the kind.
    static let growthTicks = [8, 24, 40, 56, 72]
    static let cell = ["c", "d", "v"]

    static func network(size: Int? = nil) throws -> Network {
        var net = try PatchLoader.load(path: path).network
        if let size { net.timing.width = size; net.timing.height = size }
        return net
    }

    static func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("grow-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func rowByName(_ net: Network, _ neuron: String, _ input: String) -> [String: Double] {
        guard let r = net.input(neuron, input) else { return [:] }
        var out: [String: Double] = [:]
        for e in net.matrix.row(r) { out[net.name(ofOutput: e.output)] = Double(e.entry.weight) }
        return out
    }

    @Test("neuron count and the exact twin names after every tick; rows × 2^k, outputs × 0.5^k")
    func growthByTick() throws {
        let net = try Self.network(size: 16)
        let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
        var audio = [Float](repeating: 0, count: 2 * net.timing.samplesPerTick)
        while plan.currentTick < 90 {
            let t = plan.currentTick
            audio.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) }
            let gens = Self.growthTicks.filter { $0 <= t }.count
            var names = Set(net.neurons.map(\.name))
            for k in stride(from: 1, through: gens, by: 1) { for n in Self.cell { names.insert("g\(k)_\(n)") } }
            #expect(Set(plan.network.neurons.map(\.name)) == names, "tick \(t)")
            #expect(plan.network.neurons.count == net.neurons.count + 3 * gens, "tick \(t)")
        }
        #expect(plan.lastGrowthError == nil)
        let grown = plan.network
        for k in 1...5 {
            for n in Self.cell {
                let twin = "g\(k)_\(n)"
                for input in net.neurons[net.index(of: n)!].kind.inputs.map(\.name) {
                    let want = Self.rowByName(net, n, input).mapValues { $0 * pow(2, Double(k)) }
                    #expect(Self.rowByName(grown, twin, input) == want, "\(twin).\(input)")
                }
            }
            // Into the picture and the sound: the cell's weights × 0.5^k.
            for (row, input) in [("pic", "r"), ("pic", "g"), ("pic", "b"), ("out", "left"), ("out", "right")] {
                let original = Self.rowByName(net, row, input), now = Self.rowByName(grown, row, input)
                for n in Self.cell {
                    #expect(now["g\(k)_\(n)"] == original[n].map { $0 * pow(0.5, Double(k)) }, "\(row).\(input) ← g\(k)_\(n)")
                }
            }
        }
    }

    /// r, g, b of pixel p after the growths whose generations have reached the picture, in
    /// Double: generation k is seen two ticks after its growth (twin, then picture).
    static func expectedPixel(x: Double, y: Double, generations: Int) -> [Double] {
        var c = 0.0, d = 0.0
        for k in 0..<generations {
            let s = pow(2, Double(k)), g = pow(0.5, Double(k))
            c += g * sin(s * (3 * x + 2 * y + 0.5))
            d += g * sin(s * (-2 * x + 3.5 * y + 1.1))
        }
        return [0.5 * c + 0.25 * d, 0.2 * c - 0.5 * d, 0.45 * d - 0.35 * c]
    }

    static func byte(_ v: Double) -> Int { Int(min(max((v + 1) * 127.5, 0), 255).rounded()) }

    @Test("the picture of every tick equals a Double evaluation of the sum of the generations")
    func pictureMatchesDouble() throws {
        let net = try Self.network(size: 24)
        let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
        let px = net.timing.pixels
        var frame = [UInt8](repeating: 0, count: px * 3)
        var audio = [Float](repeating: 0, count: 2 * net.timing.samplesPerTick)
        while plan.currentTick < 0 { audio.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) } }
        let xs = plan.fieldOutput(neuron: net.index(of: "x")!), ys = plan.fieldOutput(neuron: net.index(of: "y")!)
        var worst = 0
        for t in 0..<96 {
            frame.withUnsafeMutableBufferPointer { fb in audio.withUnsafeMutableBufferPointer { plan.tick(frame: fb.baseAddress, audio: $0.baseAddress) } }
            let gens = 1 + Self.growthTicks.filter { $0 + 2 <= t }.count
            for p in 0..<px {
                let want = Self.expectedPixel(x: Double(xs[p]), y: Double(ys[p]), generations: gens)
                for ch in 0..<3 { worst = max(worst, abs(Int(frame[3 * p + ch]) - Self.byte(want[ch]))) }
            }
            if t == 95 { #expect(gens == 6) }
        }
        #expect(worst <= 1, "largest byte difference \(worst)")
        // The growth shows: the last frame differs from what the cell alone draws.
        let alone = (0..<px).map { p in Self.expectedPixel(x: Double(xs[p]), y: Double(ys[p]), generations: 1).map(Self.byte) }
        let differing = (0..<px).filter { p in (0..<3).contains { abs(Int(frame[3 * p + $0]) - alone[p][$0]) > 8 } }.count
        #expect(differing > px / 4, "only \(differing) of \(px) pixels changed")
    }

    @Test("the drone gains an octave per growth: partial amplitudes 0.2·0.5^k in Double")
    func soundGainsPartials() throws {
        let net = try Self.network(size: 8)
        let seconds = 4.0
        let r = try AudioRenderer.renderSamples(network: net, seconds: seconds)
        #expect(r.channels == 2)
        let rate = Double(r.sampleRate), perTick = net.timing.samplesPerTick
        let left = stride(from: 0, to: r.samples.count, by: 2).map { Double(r.samples[$0]) }
        // Amplitude of a partial over a 0.1 s window (a whole number of cycles of 110·2^k Hz).
        func amplitude(_ f: Double, from start: Int) -> Double {
            let n = Int(0.1 * rate)
            var re = 0.0, im = 0.0
            for i in 0..<n {
                let w = 2 * Double.pi * f * Double(i + start) / rate
                re += left[start + i] * cos(w); im += left[start + i] * sin(w)
            }
            return 2 * (re * re + im * im).squareRoot() / Double(n)
        }
        for (k, tick) in Self.growthTicks.enumerated() {
            let before = (tick - 6) * perTick, after = (tick + 3) * perTick
            let f = 110 * pow(2, Double(k + 1))
            #expect(amplitude(f, from: max(0, before)) < 0.002, "partial \(f) Hz before tick \(tick)")
            let a = amplitude(f, from: after)
            #expect(abs(a - 0.2 * pow(0.5, Double(k + 1))) < 0.004, "partial \(f) Hz after tick \(tick): \(a)")
        }
        #expect(abs(amplitude(110, from: 80 * perTick) - 0.2) < 0.004)
    }

    @Test("frames, sound and --matrix heat maps: in sync, one size, byte-identical twice")
    func renderTwiceIdentical() throws {
        let net = try Self.network(size: 32)
        func render() throws -> (String, FrameRenderer.Stats) {
            let dir = Self.tempDir()
            var o = FrameRenderer.Options(directory: dir, frames: 80)
            o.audioPath = dir + "/audio.wav"
            o.matrixDirectory = dir + "/matrix"
            return (dir, try FrameRenderer.render(network: net, options: o))
        }
        let (a, sa) = try render(), (b, _) = try render()
        let names = (1...80).map { FrameRenderer.frameName($0) }
        for n in names + ["audio.wav"] + names.map({ "matrix/" + $0 }) {
            let x = try Data(contentsOf: URL(fileURLWithPath: a + "/" + n)), y = try Data(contentsOf: URL(fileURLWithPath: b + "/" + n))
            #expect(x == y, "\(n) differs between two renders")
        }
        #expect(sa.finalNetwork?.neurons.count == net.neurons.count + 15)
        // Heat maps: one size, laid out for the fully grown network; the first has no twin cells.
        let grid = MatrixGrid(net.fullyGrown())
        let layout = MatrixHeatmap.layout(grid)
        let first = try PNGCodec.read(path: a + "/matrix/" + names[0]), last = try PNGCodec.read(path: a + "/matrix/" + names[79])
        for n in names {
            let m = try PNGCodec.read(path: a + "/matrix/" + n)
            #expect(m.width == layout.width && m.height == layout.height, "\(n): \(m.width)×\(m.height)")
        }
        let r = grid.rows.firstIndex(of: "pic.r")!, c = grid.columns.firstIndex(of: "g5_c")!
        let at = (layout.rowY[r] * layout.width + layout.columnX[c]) * 3
        #expect(first.pixels[at] == MatrixHeatmap.color(0).0)
        #expect(last.pixels[at] == MatrixHeatmap.color(Float(0.5 * pow(0.5, 5.0))).0)
        // The sound of the frames render is the sound `dmm synth` renders (same ticks, same growth).
        let synth = a + "/synth.wav"
        _ = try AudioRenderer.render(network: net, seconds: 80 / net.timing.fps, to: synth, format: .wav16)
        #expect(try Data(contentsOf: URL(fileURLWithPath: synth)) == Data(contentsOf: URL(fileURLWithPath: a + "/audio.wav")))
    }

    @Test("a non-finite value born in a twin is reported by the twin's name")
    func nonFiniteInTwin() throws {
        let text = """
        size 8x8
        frames 12
        x: coord.x
        m: mul
        pic: rgb
        grow: clone(of: "m", scale: 100, at: 2)
        m.a = 1e18
        m.b = 1e18
        pic.r = 1e-36 m

        """
        let net = try PatchBuilder.build(try PatchParser.parse(text, file: "nan.dmm"))
        var o = FrameRenderer.Options(directory: Self.tempDir(), frames: 12)
        o.onNonFinite = .stop
        do {
            _ = try FrameRenderer.render(network: net, options: o)
            Issue.record("the render went on past inf")
        } catch {
            #expect(error.message.contains("neuron 'g1_m' (mul) produced inf"), "\(error.message)")
        }
        o.onNonFinite = .clip
        let stats = try FrameRenderer.render(network: net, options: o)
        let e = try #require(stats.nonFinite)
        let grown = try #require(stats.finalNetwork)
        #expect(NonFiniteReport.describe(e, network: grown).hasPrefix("neuron 'g1_m' (mul) produced inf"))
        // With the patch's own network (before growth), the report still does not trap.
        #expect(NonFiniteReport.describe(e, network: net).hasPrefix("neuron #"))
    }
}
