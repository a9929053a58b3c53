import DMMCore
import Foundation
import PatchLanguage
import Testing

/// patches/morph.dmm: the network reads its own morphing weights (`mask` of W), computes a
/// moving target (`scale` of B − A by a slow scalar) and feeds Self the difference, so the
/// matrix glides from program A to program B and back.
@Suite struct MorphTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("patches/morph.dmm").path

    /// The two programs as the patch's comments describe them, (row, column) → weight; an
    /// absent entry is 0.
    static let programA: [String: Double] = [
        "s1.x|r": 14, "s1.x|x": 0.5, "s1.x|y": 0.5,
        "out.r|s1": 0.85, "out.r|s2": 0.15, "out.g|s1": 0.3, "out.g|s2": 0.45, "out.b|s1": -0.5, "out.b|s2": 0.35,
        "osc.freq|one": 220, "lp.cutoff|one": 400,
        "snd.left|osc": 0.25, "snd.left|lp": 0.02, "snd.right|osc": 0.25, "snd.right|lp": 0.02,
    ]
    static let programB: [String: Double] = [
        "s1.x|r": 1, "s1.x|x": 9, "s1.x|y": 3,
        "out.r|s1": 0.2, "out.r|s3": 0.35, "out.r|one": -0.1, "out.g|s1": 0.5, "out.g|one": 0.1,
        "out.b|s1": 0.3, "out.b|s3": 0.45, "out.b|one": 0.3,
        "osc.freq|one": 330, "lp.cutoff|one": 2400,
        "snd.left|osc": 0.1, "snd.left|lp": 0.12, "snd.right|osc": 0.1, "snd.right|lp": 0.12,
    ]
    static var entries: [String] { Set(programA.keys).union(programB.keys).sorted() }

    static func weight(_ grid: MatrixGrid, _ e: String) -> Double {
        let rc = e.split(separator: "|").map(String.init)
        return Double(grid.weight(row: rc[0], column: rc[1]))
    }

    /// The morph evaluated independently in Double from the two-stroke rule: every neuron reads
    /// the previous tick's outputs (zero before the first tick), Self adds its delta at the
    /// tick boundary. Per tick τ from −warm-up: clock = τ·dt; q = sin(a·clock(τ−1));
    /// p = q(τ−1)²; st = smoothstep(0.15, 0.85, p(τ−1)); sc = st(τ−1)·(B − A) once the
    /// constant has arrived; tg = A + sc(τ−1) once A has arrived; m = W(τ−1) on the masked
    /// rows; ΔW(τ) = η·(tg(τ−1) − m(τ−1)). Returns W at every tick, before that tick runs.
    static func expected(ticks: Int, warmUp: Int, dt: Double) -> [[String: Double]] {
        let eta = 0.2, a = 0.392699
        func smoothstep(_ x: Double) -> Double {
            let u = min(1, max(0, (x - 0.15) / (0.85 - 0.15)))
            return u * u * (3 - 2 * u)
        }
        var w = Dictionary(uniqueKeysWithValues: entries.map { ($0, programA[$0] ?? 0) })
        var prevClock = 0.0, prevQ = 0.0, prevP = 0.0, prevSt = 0.0
        var prevSc: [String: Double] = [:], prevTg: [String: Double] = [:], prevM: [String: Double] = [:]
        var prevW: [String: Double] = [:]
        var out: [[String: Double]] = []
        for k in 0..<ticks {
            out.append(w)
            let clock = Double(k - warmUp) * dt
            let q = sin(a * prevClock), p = prevQ * prevQ, st = smoothstep(prevP)
            var sc: [String: Double] = [:], tg: [String: Double] = [:], m: [String: Double] = [:], delta: [String: Double] = [:]
            for e in entries {
                let ba = (programB[e] ?? 0) - (programA[e] ?? 0)
                sc[e] = k > 0 ? prevSt * ba : 0
                tg[e] = (k > 0 ? programA[e] ?? 0 : 0) + (prevSc[e] ?? 0)
                m[e] = prevW[e] ?? 0
                delta[e] = eta * ((prevTg[e] ?? 0) - (prevM[e] ?? 0))
            }
            prevW = w
            for e in entries { w[e] = (w[e] ?? 0) + (delta[e] ?? 0) }
            (prevClock, prevQ, prevP, prevSt) = (clock, q, p, st)
            (prevSc, prevTg, prevM) = (sc, tg, m)
        }
        return out
    }

    @Test("every morphing weight at every tick follows the recurrence, and W passes through A, B and A")
    func weightsFollowTheRecurrence() throws {
        let net = try PatchLoader.load(path: Self.path).network
        let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
        let ticks = net.warmUpTicks + 96
        let want = Self.expected(ticks: ticks, warmUp: net.warmUpTicks, dt: net.timing.secondsPerTick)
        let start = MatrixGrid(net)
        let fixed = start.cells.map { (key: start.rows[$0.row] + "|" + start.columns[$0.column], weight: $0.weight) }
            .filter { !Self.entries.contains($0.key) }
        for k in 0..<ticks {
            let grid = MatrixGrid(plan.network)
            for e in Self.entries {
                let range = max(abs(Self.programA[e] ?? 0), abs(Self.programB[e] ?? 0))
                let got = Self.weight(grid, e), w = want[k][e] ?? .nan
                #expect(abs(got - w) <= 1e-4 * max(range, abs(w)), "tick \(k - net.warmUpTicks) \(e): \(got), expected \(w)")
            }
            // Nothing else moves, and no other weight appears.
            for f in fixed { #expect(Float(Self.weight(grid, f.key)) == f.weight, "tick \(k): \(f.key) moved") }
            #expect(grid.cells.count == fixed.count + Self.entries.filter { Self.weight(grid, $0) != 0 }.count, "tick \(k)")
            plan.tick()
            #expect(plan.lastSelfError == nil)
        }
        // The shape of the morph (from the independent evaluation): exactly A at frame 1,
        // within 2 % of B's weights at 4 s (frame 49) and of A's at the end, never more than
        // 2 % past either.
        for e in Self.entries {
            let a = Self.programA[e] ?? 0, b = Self.programB[e] ?? 0, span = abs(b - a)
            #expect(abs((want[net.warmUpTicks][e] ?? .nan) - a) <= 1e-9 * span, "\(e) at frame 1")
            #expect(abs((want[net.warmUpTicks + 48][e] ?? .nan) - b) <= 0.02 * span, "\(e) at 4 s")
            #expect(abs((want[ticks - 1][e] ?? .nan) - a) <= 0.02 * span, "\(e) at the end")
            let path = want.map { $0[e] ?? .nan }
            #expect(path.allSatisfy { $0 >= min(a, b) - 0.02 * span && $0 <= max(a, b) + 0.02 * span }, "\(e) overshoots")
        }
    }

    /// Renders `frames` frames and the audio of the patch into memory.
    static func render(frames: Int) throws -> (pictures: [UInt8], audio: [Float]) {
        let net = try PatchLoader.load(path: Self.path).network
        let plan = try TickPlan(network: net, startTick: -net.warmUpTicks)
        let bytes = net.timing.pixels * 3, samples = 2 * net.timing.samplesPerTick
        var pictures = [UInt8](repeating: 0, count: bytes * frames), audio = [Float](repeating: 0, count: samples * frames)
        var scratch = [Float](repeating: 0, count: samples)
        while plan.currentTick < 0 { scratch.withUnsafeMutableBufferPointer { plan.tick(audio: $0.baseAddress) } }
        for f in 0..<frames {
            pictures.withUnsafeMutableBufferPointer { p in
                audio.withUnsafeMutableBufferPointer { a in plan.tick(frame: p.baseAddress! + f * bytes, audio: a.baseAddress! + f * samples) }
            }
        }
        return (pictures, audio)
    }

    @Test("the pictures and the sound are deterministic, and the morph shows in both (colours, pitch)")
    func renderIsDeterministic() throws {
        let one = try Self.render(frames: 96), two = try Self.render(frames: 96)
        #expect(one.pictures == two.pictures)
        #expect(one.audio.map(\.bitPattern) == two.audio.map(\.bitPattern))
        let bytes = one.pictures.count / 96
        // Program A drives red and blue from s1 with opposite signs (0.85 vs −0.5), program B
        // with the same sign (0.2 s1 + 0.35 s3 vs 0.3 s1 + 0.45 s3): their correlation over the
        // picture flips from clearly negative (frames 1 and 96) to clearly positive (frame 49).
        func correlation(_ f: Int) -> Double {
            let r = stride(from: f * bytes, to: (f + 1) * bytes, by: 3).map { Double(one.pictures[$0]) }
            let b = stride(from: f * bytes + 2, to: (f + 1) * bytes, by: 3).map { Double(one.pictures[$0]) }
            let (mr, mb) = (r.reduce(0, +) / Double(r.count), b.reduce(0, +) / Double(b.count))
            let cov = zip(r, b).reduce(0.0) { $0 + ($1.0 - mr) * ($1.1 - mb) }
            let vr = r.reduce(0.0) { $0 + ($1 - mr) * ($1 - mr) }, vb = b.reduce(0.0) { $0 + ($1 - mb) * ($1 - mb) }
            return cov / (vr * vb).squareRoot()
        }
        #expect(correlation(0) < -0.5, "frame 1: \(correlation(0))")
        #expect(correlation(48) > 0.9, "frame 49: \(correlation(48))")
        #expect(correlation(95) < -0.5, "frame 96: \(correlation(95))")
        // The sound: program A's sine is at 220 Hz, program B's at 330 Hz (over a saw at 110).
        // Power of the left channel at each pitch over one frame (Hann window), in Double.
        let samples = one.audio.count / 96
        func power(_ f: Int, _ hz: Double) -> Double {
            let n = samples / 2
            var re = 0.0, im = 0.0
            for k in 0..<n {
                let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(n - 1))
                let x = Double(one.audio[f * samples + 2 * k]) * w, ph = 2 * Double.pi * hz * Double(k) / 48000
                re += x * cos(ph); im -= x * sin(ph)
            }
            return re * re + im * im
        }
        #expect(power(5, 220) > 10 * power(5, 330), "0.5 s: 220 Hz \(power(5, 220)), 330 Hz \(power(5, 330))")
        #expect(power(48, 330) > 3 * power(48, 220), "4 s: 220 Hz \(power(48, 220)), 330 Hz \(power(48, 330))")
        #expect(one.audio.allSatisfy { $0.isFinite && abs($0) <= 1 })
        #expect(one.audio.contains { abs($0) > 0.1 })
    }
}
