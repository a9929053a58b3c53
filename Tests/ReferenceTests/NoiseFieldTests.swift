import DMMCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

// The noise fields against their Double reference (ReferenceNoise.swift), and the properties
// the README promises: continuous across every cell border, deterministic whatever the tile,
// different for different seeds, and (Worley) exact in its 27-cell search.
//
// Tolerances: the engine evaluates in Float. With the inputs here (|x·freq| ≤ 24 cells) the
// product x·freq differs from the Double one by up to ~1.5e-6 cells, times slopes below 4 per
// cell, plus the kernels' own rounding (a few 1e-7): 2e-5 absolute. For far coordinates
// (1e3…1e5 cells) the reference is given the engine's Float product, as the position itself
// is only known to Float's precision there.
@Suite("Noise fields") struct NoiseFieldTests {
    static let kinds = ["noise.value", "noise.perlin", "noise.worley"]

    static func make(_ name: String) throws -> any NeuronKind {
        try #require(KindRegistry.builtins[name]).init(config: NeuronConfig())
    }

    static func run(_ kind: any NeuronKind, _ x: [Float], _ y: [Float], _ z: [Float], _ f: [Float],
                    seed: UInt64, start: Int = 0, domain: StreamKind = .field) -> [Float] {
        var ctx = KernelContext(tick: 0, secondsPerTick: 1.0 / 30, width: 64, height: 64, start: start,
                                sampleRate: 48_000, logicalCount: x.count)
        ctx.domain = domain
        ctx.seed = seed
        return runForward(kind, [x, y, z, f], lanes: x.count, context: ctx)[0]
    }

    @Test(arguments: kinds)
    func matchesTheReference(_ name: String) throws {
        let kind = try Self.make(name)
        var rng = SplitMix64(seed: UInt64(name.utf8.count) &* 977)
        var worst = (err: 0.0, message: "")
        var lo = Double.infinity, hi = -Double.infinity
        for trial in 0..<60 {
            let lanes = 16 * rng.int(1...8)
            let far = trial % 4 == 3
            let seed = rng.next()
            let scale = far ? rng.uniform(1e3, 1e5) : 3
            let x = (0..<lanes).map { _ in Float(rng.uniform(-scale, scale)) }
            let y = (0..<lanes).map { _ in Float(rng.uniform(-scale, scale)) }
            let z = (0..<lanes).map { _ in Float(rng.uniform(-5, 5)) }
            let f = (0..<lanes).map { _ in far ? Float(1) : Float(rng.uniform(0.5, 8)) }
            let out = Self.run(kind, x, y, z, f, seed: seed)
            for i in 0..<lanes {
                let want = ReferenceNoise.value(name, x: far ? Double(x[i] * f[i]) : Double(x[i]),
                                                y: far ? Double(y[i] * f[i]) : Double(y[i]),
                                                z: Double(z[i]), freq: far ? 1 : Double(f[i]), seed: seed)
                lo = min(lo, want); hi = max(hi, want)
                let err = Swift.abs(Double(out[i]) - want)
                if !(err <= worst.err) {
                    worst = (err.isNaN ? .infinity : err, "\(name) x \(x[i]) y \(y[i]) z \(z[i]) freq \(f[i]) seed \(seed): engine \(out[i]), reference \(want)")
                }
            }
        }
        print("NoiseFieldTests: \(name) largest error \(worst.err), values seen \(lo)…\(hi)")
        #expect(worst.err <= 2e-5, "\(worst.message)")
        #expect(lo < -0.5 && hi > 0.5, "\(name): a narrow range of values \(lo)…\(hi)")
    }

    /// Scalar inputs (16 lanes of one value, as the scalar stroke passes): a smooth random LFO.
    @Test(arguments: kinds)
    func scalarDomain(_ name: String) throws {
        let kind = try Self.make(name)
        var bad: [String] = []
        for tick in 0..<50 {
            let t = Float(tick) / 30
            let out = Self.run(kind, [Float](repeating: 0.3, count: 16), [Float](repeating: -0.2, count: 16),
                               [Float](repeating: t, count: 16), [Float](repeating: 2, count: 16), seed: 42, domain: .scalar)
            let want = ReferenceNoise.value(name, x: 0.3, y: -0.2, z: Double(t), freq: 2, seed: 42)
            if !out.allSatisfy({ Swift.abs(Double($0) - want) <= 2e-5 }) { bad.append("tick \(tick): \(out[0]) vs \(want)") }
        }
        #expect(bad.isEmpty, "\(bad.prefix(5))")
    }

    /// Either side of every cell border crossed along x, y and z (ε = 1e-4 cells): the values
    /// differ by no more than the slope allows (8 per cell, well above the fields' slopes).
    @Test(arguments: kinds)
    func continuousAcrossCellBorders(_ name: String) throws {
        let kind = try Self.make(name)
        var rng = SplitMix64(seed: 5)
        var worst = (jump: 0.0, at: "")
        let eps: Float = 1e-4
        for axis in 0..<3 {
            for _ in 0..<20 {
                var base = (0..<3).map { _ in Float(rng.uniform(-6, 6)) }
                base[axis] = Float(rng.int(-6...6))            // on a border
                var below = base, above = base
                below[axis] -= eps; above[axis] += eps
                let col = { (p: [Float]) in [p[0], p[1], p[2]].map { [Float](repeating: $0, count: 16) } }
                let a = col(below), b = col(above)
                let one = [Float](repeating: 1, count: 16)
                let ya = Self.run(kind, a[0], a[1], a[2], one, seed: 9)[0]
                let yb = Self.run(kind, b[0], b[1], b[2], one, seed: 9)[0]
                let jump = Double(Swift.abs(ya - yb))
                if jump > worst.jump { worst = (jump, "axis \(axis) at \(base): \(ya) vs \(yb)") }
            }
        }
        #expect(worst.jump <= 8 * 2 * Double(eps) + 1e-6, "\(name) jumps by \(worst.jump) at \(worst.at)")
    }

    /// The same input gives the same value in any lane, tile or call width; another seed gives
    /// another field; the same seed the same field.
    @Test(arguments: kinds)
    func deterministicAndSeeded(_ name: String) throws {
        let kind = try Self.make(name)
        var rng = SplitMix64(seed: 11)
        let n = 128
        let x = (0..<n).map { _ in Float(rng.uniform(-2, 2)) }, y = (0..<n).map { _ in Float(rng.uniform(-2, 2)) }
        let z = (0..<n).map { _ in Float(rng.uniform(-2, 2)) }, f = (0..<n).map { _ in Float(rng.uniform(1, 5)) }
        let whole = Self.run(kind, x, y, z, f, seed: 7)
        for (from, count) in [(16, 16), (48, 64), (112, 16)] {
            let part = Self.run(kind, Array(x[from..<(from + count)]), Array(y[from..<(from + count)]),
                                Array(z[from..<(from + count)]), Array(f[from..<(from + count)]), seed: 7, start: from + 4096)
            #expect(part == Array(whole[from..<(from + count)]), "\(name): a tile of \(count) at \(from) differs")
        }
        #expect(Self.run(kind, x, y, z, f, seed: 7) == whole)
        let other = Self.run(kind, x, y, z, f, seed: 8)
        let differ = zip(other, whole).filter { Swift.abs($0 - $1) > 1e-3 }.count
        #expect(differ > n / 2, "\(name): seeds 7 and 8 agree on \(n - differ) of \(n) lanes")
    }

    /// Worley's 27-cell search is exact: F1 over 5×5×5 cells (in Double) is the same.
    @Test func worleySearchIsExact() throws {
        let kind = try Self.make("noise.worley")
        var rng = SplitMix64(seed: 3)
        var worst = 0.0
        for _ in 0..<40 {
            let seed = rng.next()
            let x = (0..<64).map { _ in Float(rng.uniform(-20, 20)) }, y = (0..<64).map { _ in Float(rng.uniform(-20, 20)) }
            let z = (0..<64).map { _ in Float(rng.uniform(-20, 20)) }
            let out = Self.run(kind, x, y, z, [Float](repeating: 1, count: 64), seed: seed)
            for i in 0..<64 {
                let (cx, fx) = ReferenceNoise.split(Double(x[i])), (cy, fy) = ReferenceNoise.split(Double(y[i]))
                let (cz, fz) = ReferenceNoise.split(Double(z[i]))
                var best = Double.infinity
                for oz in -2...2 { for oy in -2...2 { for ox in -2...2 {
                    let h = ReferenceNoise.hash(cx + ox, cy + oy, cz + oz, seed: seed)
                    func r(_ s: UInt32) -> Double { Double((h >> s) & 1023) / 1024 }
                    let d = [(Double(ox) + 0.5 + 0.46 * (r(0) - 0.5)) - fx, (Double(oy) + 0.5 + 0.46 * (r(10) - 0.5)) - fy,
                             (Double(oz) + 0.5 + 0.46 * (r(20) - 0.5)) - fz]
                    best = min(best, (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).squareRoot())
                } } }
                worst = max(worst, Swift.abs(Double(out[i]) - (2 * best - 1)))
            }
        }
        #expect(worst <= 2e-5)
    }
}
