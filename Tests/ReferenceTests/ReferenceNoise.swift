#if canImport(Glibc)
import Glibc
#endif

// The noise fields in Double, written from their documentation (NoiseLattice, NoiseValue,
// NoisePerlin, NoiseWorley), sharing no code with the engine: the lattice hash is integer
// arithmetic (the spec itself); interpolation, gradients and distances are in Double.
enum ReferenceNoise {
    /// The seed a neuron's kernel sees: the patch seed mixed with the neuron index (SplitMix64
    /// finaliser), as the README documents for random kinds.
    static func neuronSeed(patch: UInt64, neuron: Int) -> UInt64 {
        var z = patch &+ UInt64(neuron + 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hash(_ i: Int, _ j: Int, _ k: Int, seed: UInt64) -> UInt32 {
        let s32 = UInt32(truncatingIfNeeded: seed ^ (seed >> 32))
        let u = { (v: Int) in UInt32(bitPattern: Int32(v)) }
        var h = (u(i) &* 0x8DA6_B343) ^ (u(j) &* 0xD816_3841) ^ (u(k) &* 0xCB1A_B31F) ^ s32
        h ^= h >> 16; h = h &* 0x7FEB_352D
        h ^= h >> 15; h = h &* 0x846C_A68B
        h ^= h >> 16
        return h
    }

    static func fade(_ t: Double) -> Double { t * t * t * (t * (6 * t - 15) + 10) }

    /// Cell and fraction of a coordinate clamped to ±2²¹.
    static func split(_ x: Double) -> (Int, Double) {
        let c = min(max(x, -2_097_152), 2_097_152)
        let f = c.rounded(.down)
        return (Int(f), c - f)
    }

    /// Perlin's improved-noise gradient of hash h.
    static func gradient(_ h: UInt32) -> (Double, Double, Double) {
        let h4 = h & 15
        let su: Double = h4 & 1 == 0 ? 1 : -1, sv: Double = h4 & 2 == 0 ? 1 : -1
        var g = (0.0, 0.0, 0.0)
        if h4 < 8 { g.0 += su } else { g.1 += su }
        if h4 < 4 { g.1 += sv } else if h4 == 12 || h4 == 14 { g.0 += sv } else { g.2 += sv }
        return g
    }

    /// The noise kind `kind` at inputs (x, y, z, freq).
    static func value(_ kind: String, x: Double, y: Double, z: Double, freq: Double, seed: UInt64) -> Double {
        let (i, fx) = split(x * freq), (j, fy) = split(y * freq), (k, fz) = split(z)
        switch kind {
        case "noise.value", "noise.perlin":
            var n = 0.0
            for dz in 0...1 {
                for dy in 0...1 {
                    for dx in 0...1 {
                        let h = hash(i + dx, j + dy, k + dz, seed: seed)
                        let c: Double
                        if kind == "noise.value" {
                            c = Double(h >> 9) / 4_194_304 - 1      // top 23 bits onto [−1, 1)
                        } else {
                            let g = gradient(h)
                            c = g.0 * (fx - Double(dx)) + g.1 * (fy - Double(dy)) + g.2 * (fz - Double(dz))
                        }
                        let w = (dx == 1 ? fade(fx) : 1 - fade(fx)) * (dy == 1 ? fade(fy) : 1 - fade(fy))
                            * (dz == 1 ? fade(fz) : 1 - fade(fz))
                        n += w * c
                    }
                }
            }
            return n
        case "noise.worley":
            var best = Double.infinity
            for oz in -1...1 {
                for oy in -1...1 {
                    for ox in -1...1 {
                        let h = hash(i + ox, j + oy, k + oz, seed: seed)
                        func r(_ s: UInt32) -> Double { Double((h >> s) & 1023) / 1024 }
                        let px = Double(ox) + 0.5 + 0.46 * (r(0) - 0.5)
                        let py = Double(oy) + 0.5 + 0.46 * (r(10) - 0.5)
                        let pz = Double(oz) + 0.5 + 0.46 * (r(20) - 0.5)
                        let d = ((px - fx) * (px - fx) + (py - fy) * (py - fy) + (pz - fz) * (pz - fz)).squareRoot()
                        best = min(best, d)
                    }
                }
            }
            return 2 * best - 1
        default: fatalError("not a noise kind: \(kind)")
        }
    }
}
