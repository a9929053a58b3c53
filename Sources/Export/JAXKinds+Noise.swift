import DMMCore

/// The noise fields in an exported module (Sources/DMMCore/Kinds/Noise): the lattice, the
/// hash and the three kernels, bit for bit where the engine is integer arithmetic.
///
/// The hash is NoiseLattice's lowbias32 in `uint32` (JAX's integer multiply wraps, shifts of
/// unsigned values are logical), the cells are the floors as two's complement, and the corner
/// values come from the same bits (`signedUnit`, `tenBits`, Perlin's gradient table), so every
/// corner value equals the engine's exactly; only the float blending may differ in the last
/// bit (the engine fuses multiply-adds). Gradients are JAX's derivatives of these expressions,
/// which are the kinds' VJPs: the fade's derivative times the blend (value, Perlin, plus the
/// corners' gradients for Perlin), −2·offset/F1 for Worley (0 on a feature point), 0 where a
/// coordinate is clamped at ±2²¹ cells.
extension JAXKinds {
    /// The expression of a noise neuron: its kernel at (x·freq, y·freq, z) with its seed folded
    /// to 32 bits as NoiseLattice does (written in hex, `seed=0x…`).
    static func noise(_ function: String) -> @Sendable (JAXKind.Neuron, [String]) -> [String] {
        { n, i in
            let hex = String(NoiseLattice.seed32(n.seed), radix: 16, uppercase: true)
            return ["\(function)(\(i[0]), \(i[1]), \(i[2]), \(i[3]), seed=0x\(String(repeating: "0", count: 8 - hex.count) + hex))"]
        }
    }

    /// NoiseLattice.swift: split, hash, signedUnit, fade, trilinear.
    static let latticeHelper = #"""
    _LATTICE_LIMIT = np.float32(2097152)   # 2^21 cells: beyond, the noise is constant (gradient 0)


    def _lattice(v):
        """NoiseLattice.split: the cell floor(v) as uint32 (two's complement) and the fraction v - floor(v),
        v clamped to +-2^21."""
        c = jnp.clip(v, -_LATTICE_LIMIT, _LATTICE_LIMIT)
        fl = jnp.floor(c)
        return jax.lax.bitcast_convert_type(fl.astype(jnp.int32), jnp.uint32), c - fl


    def _hash(i, j, k, seed):
        """NoiseLattice.hash, bit for bit: lowbias32(i*0x8DA6B343 ^ j*0xD8163841 ^ k*0xCB1AB31F ^ seed) in
        wrapping uint32 arithmetic."""
        h = (i * np.uint32(0x8DA6B343)) ^ (j * np.uint32(0xD8163841)) ^ (k * np.uint32(0xCB1AB31F)) ^ np.uint32(seed)
        h = (h ^ (h >> np.uint32(16))) * np.uint32(0x7FEB352D)
        h = (h ^ (h >> np.uint32(15))) * np.uint32(0x846CA68B)
        return h ^ (h >> np.uint32(16))


    def _signed_unit(h):
        """The top 23 bits of h as a float32 in [-1, 1), through the [1, 2) exponent (exactly the engine's)."""
        return jax.lax.bitcast_convert_type((h >> np.uint32(9)) | np.uint32(0x3F800000), jnp.float32) * np.float32(2) - np.float32(3)


    def _fade(t):
        """The quintic fade t^3 (t (6t - 15) + 10)."""
        return t * t * t * (np.float32(10) + t * (np.float32(-15) + t * np.float32(6)))


    def _trilinear(c, u, v, w):
        """Eight corner values (index dx + 2 dy + 4 dz) blended at (u, v, w), in the engine's order."""
        e0, e1, e2, e3 = c[1] - c[0], c[3] - c[2], c[5] - c[4], c[7] - c[6]
        a0, a1, a2, a3 = c[0] + u * e0, c[2] + u * e1, c[4] + u * e2, c[6] + u * e3
        b0, b1 = a0 + v * (a1 - a0), a2 + v * (a3 - a2)
        return b0 + w * (b1 - b0)


    def _corners(i, j, k):
        """The eight cells around (i, j, k), index dx + 2 dy + 4 dz, with their offsets."""
        return [(i + np.uint32(dx), j + np.uint32(dy), k + np.uint32(dz), dx, dy, dz)
                for dz in (0, 1) for dy in (0, 1) for dx in (0, 1)]
    """#

    /// NoiseValue.swift (after `latticeHelper`).
    static let valueHelper = #"""
    def _noise_value(x, y, z, freq, seed):
        """noise.value (Kinds/Noise/NoiseValue.swift): seeded values in [-1, 1) on the integer lattice
        blended with the quintic fade, at (x*freq, y*freq, z)."""
        i, u = _lattice(x * freq)
        j, v = _lattice(y * freq)
        k, w = _lattice(z)
        c = [_signed_unit(_hash(a, b, d, seed)) for a, b, d, _, _, _ in _corners(i, j, k)]
        return _trilinear(c, _fade(u), _fade(v), _fade(w))
    """#

    /// NoisePerlin.swift (after `latticeHelper`).
    static let perlinHelper = #"""
    def _perlin_gradient(h):
        """Perlin's gradient of a corner hash h (NoisePerlin.gradient): u = x if h&15 < 8 else y; v = y if
        h&15 < 4, x if h&15 is 12 or 14, else z; result (+-u) + (+-v), signs from bits 0 and 1."""
        one, zero = np.float32(1), np.float32(0)
        su = jnp.where((h & np.uint32(1)) != 0, -one, one)
        sv = jnp.where((h & np.uint32(2)) != 0, -one, one)
        low = h & np.uint32(15)
        u_is_x, v_is_y = low < 8, low < 4
        v_is_x = (low == 12) | (low == 14)
        gx = jnp.where(u_is_x, su, zero) + jnp.where(v_is_x, sv, zero)
        gy = jnp.where(u_is_x, zero, su) + jnp.where(v_is_y, sv, zero)
        gz = jnp.where(v_is_y | v_is_x, zero, sv)
        return gx, gy, gz


    def _noise_perlin(x, y, z, freq, seed):
        """noise.perlin (Kinds/Noise/NoisePerlin.swift): improved Perlin noise at (x*freq, y*freq, z)."""
        i, x0 = _lattice(x * freq)
        j, y0 = _lattice(y * freq)
        k, z0 = _lattice(z)
        c = []
        for a, b, d, dx, dy, dz in _corners(i, j, k):
            gx, gy, gz = _perlin_gradient(_hash(a, b, d, seed))
            c.append(gx * (x0 - np.float32(dx)) + gy * (y0 - np.float32(dy)) + gz * (z0 - np.float32(dz)))
        return _trilinear(c, _fade(x0), _fade(y0), _fade(z0))
    """#

    /// NoiseWorley.swift (after `latticeHelper`).
    static let worleyHelper = #"""
    def _ten_bits(h, shift):
        """10 bits of h from `shift` as a float32 in [0, 1), exactly."""
        return ((h >> np.uint32(shift)) & np.uint32(1023)).astype(jnp.float32) * np.float32(1 / 1024)


    def _noise_worley(x, y, z, freq, seed):
        """noise.worley (Kinds/Noise/NoiseWorley.swift): 2*F1 - 1, F1 the distance to the nearest of the
        feature points cell + 0.5 + 0.46*(r - 0.5) of the 27 cells around (x*freq, y*freq, z); the first
        nearest in the engine's search order wins a tie."""
        i, fx = _lattice(x * freq)
        j, fy = _lattice(y * freq)
        k, fz = _lattice(z)
        jitter = np.float32(0.46)
        centre = np.float32(0.5) - jitter / np.float32(2)
        best = np.float32(np.inf)
        for oz in (-1, 0, 1):
            kk, pz = k + np.uint32(oz % 2**32), (np.float32(oz) + centre) - fz
            for oy in (-1, 0, 1):
                jj, py = j + np.uint32(oy % 2**32), (np.float32(oy) + centre) - fy
                for ox in (-1, 0, 1):
                    ii, px = i + np.uint32(ox % 2**32), (np.float32(ox) + centre) - fx
                    h = _hash(ii, jj, kk, seed)
                    dx = px + jitter * _ten_bits(h, 0)
                    dy = py + jitter * _ten_bits(h, 10)
                    dz = pz + jitter * _ten_bits(h, 20)
                    d2 = dx * dx + dy * dy + dz * dz
                    best = jnp.where(d2 < best, d2, best)
        some = best > 0   # F1 = 0 on a feature point: value -1, gradient 0 (as the kind's)
        f1 = jnp.where(some, jnp.sqrt(jnp.where(some, best, np.float32(1))), np.float32(0))
        return f1 * np.float32(2) - np.float32(1)
    """#
}
