import DMMCore

/// Every kind an exported JAX module can run, by kind name: the one place a kind's JAX
/// expression lives (see `JAXKind`).
///
/// Each expression mirrors the kind's `forward` in Sources/DMMCore/Kinds, in float32 and in
/// the same order of operations (`sin(b + a·x)` as the kernel's `b.madd(a, x)`), so a render
/// agrees with `dmm render` to the rounding of the last bit. Gradients come from JAX's
/// autodiff of the same expressions; kinds the fitter treats as constants
/// (`KindTraits.notDifferentiable`) get a `stop_gradient` from the exporter, not from here.
///
/// Covered: `one`, the coordinates, `clock`, the pointwise maps (sin, cos, tanh, sigmoid, gauss,
/// mul, abs, clip, id, accum), `rgb`, `hsv`, `feedback` (every edge mode, field displacement),
/// the shaping kinds (floor, fract, step, min, max, mix, mod, smoothstep, pow), the noise
/// fields (`noise.value`, `noise.perlin`, `noise.worley`, with the engine's hash bit for bit;
/// JAXKinds+Noise.swift) and the media inputs (`image`, `video`: their pixels embedded in the
/// module; JAXKinds+Media.swift). Kinds whose gradient is not JAX's derivative of their
/// forward say so in their helper (`pow` carries its VJP as a `jax.custom_jvp`).
///
/// Not covered (refused naming the neuron): audio and signal kinds (Kinds/Audio), `self` and
/// `edit` (the matrix editing itself), and kinds added after this table was written until
/// they add a line here.
public enum JAXKinds {
    public static let table: [String: JAXKind] = [
        One.name: JAXKind(.constant { _ in ["1"] }),
        CoordX.name: JAXKind(.constant { _ in ["X"] }),
        CoordY.name: JAXKind(.constant { _ in ["Y"] }),
        CoordR.name: JAXKind(.constant { _ in ["np.sqrt(X * X + Y * Y)"] }),
        CoordTheta.name: JAXKind(.constant { _ in ["np.arctan2(Y, X) / np.float32(np.pi)"] }),
        // Float(Double(tick) · secondsPerTick · rate), as KernelContext.time · rate.
        Clock.name: JAXKind(.perTick { k in ["TICKS * SECONDS_PER_TICK * \(python((k.kind as! Clock).rate))"] }),
        Sin.name: JAXKind(.map { _, i in ["jnp.sin(\(i[2]) + \(i[0]) * \(i[1]))"] }),
        Cos.name: JAXKind(.map { _, i in ["jnp.cos(\(i[2]) + \(i[0]) * \(i[1]))"] }),
        Tanh.name: JAXKind(.map { _, i in ["jnp.tanh(\(i[0]))"] }),
        Sigmoid.name: JAXKind(.map { _, i in ["1 / (1 + jnp.exp(-\(i[0])))"] }),
        Gauss.name: JAXKind(.map { _, i in ["jnp.exp(-(\(i[0]) * \(i[0])))"] }),
        Mul.name: JAXKind(.map { _, i in ["\(i[0]) * \(i[1])"] }),
        Abs.name: JAXKind(.map { _, i in ["jnp.abs(\(i[0]))"] }),
        Clip.name: JAXKind(.map { k, i in
            let c = k.kind as! Clip
            return ["jnp.clip(\(i[0]), np.float32(\(python(c.lo))), np.float32(\(python(c.hi))))"]
        }),
        Identity.name: JAXKind(.map { _, i in [i[0]] }),
        // The accumulator's loop (its own output, weight 1) is a term of its row already.
        Accum.name: JAXKind(.map { _, i in [i[0]] }),
        RGB.name: JAXKind(.map { _, i in [i[0], i[1], i[2]] }),
        HSV.name: JAXKind(.map { _, i in ["_hsv(\(i[0]), \(i[1]), \(i[2]))"] }, helpers: [hsvHelper]),
        // Shaping kinds (Kinds/Shaping), GLSL's definitions as the kernels compute them;
        // JAX's gradients of floor and where are 0 where the kinds' VJPs are.
        Floor.name: JAXKind(.map { _, i in ["jnp.floor(\(i[0]))"] }),
        Fract.name: JAXKind(.map { _, i in ["(\(i[0]) - jnp.floor(\(i[0])))"] }),
        Step.name: JAXKind(.map { _, i in ["jnp.where(\(i[1]) < \(i[0]), np.float32(0), np.float32(1))"] }),
        Min.name: JAXKind(.map { _, i in ["jnp.where(\(i[1]) < \(i[0]), \(i[1]), \(i[0]))"] }),
        Max.name: JAXKind(.map { _, i in ["jnp.where(\(i[1]) > \(i[0]), \(i[1]), \(i[0]))"] }),
        Mix.name: JAXKind(.map { _, i in ["(\(i[0]) + (\(i[1]) - \(i[0])) * \(i[2]))"] }),
        Mod.name: JAXKind(.map { _, i in ["_mod(\(i[0]), \(i[1]))"] }, helpers: [modHelper]),
        Feedback.name: JAXKind(.map { k, i in
            ["_feedback(\(i[0]), \(i[1]), \(i[2]), \(i[3]), \(i[4]), \(i[5]), \(i[6]), \"\((k.kind as! Feedback).edge.rawValue)\")"]
        }, helpers: [feedbackHelper]),
        Smoothstep.name: JAXKind(.map { _, i in ["_smoothstep(\(i[0]), \(i[1]), \(i[2]))"] }, helpers: [smoothstepHelper]),
        Pow.name: JAXKind(.map { _, i in ["_pow(\(i[0]), \(i[1]))"] }, helpers: [powHelper]),
        // Noise fields (Kinds/Noise): inputs x, y, z, freq; the neuron's seed is in the call.
        NoiseValue.name: JAXKind(.map(noise("_noise_value")), helpers: [latticeHelper, valueHelper]),
        NoisePerlin.name: JAXKind(.map(noise("_noise_perlin")), helpers: [latticeHelper, perlinHelper]),
        NoiseWorley.name: JAXKind(.map(noise("_noise_worley")), helpers: [latticeHelper, worleyHelper]),
        // Media (Kinds/Media): the pixels travel in the module (mediaData), decoded at import.
        ImageInput.name: JAXKind(.constant { n in (0..<3).map { "_image(\(n.data), lanes)[\($0)]" } },
                                 helpers: [mediaHelper], data: mediaData),
        VideoInput.name: JAXKind(.map { n, _ in ["_video(\(n.data), now[\"tick\"], lanes)"] }, helpers: [mediaHelper], data: mediaData),
    ]

    /// A number as Python reads it back to the same value.
    static func python(_ x: Double) -> String { x.isFinite ? "\(x)" : "float('nan')" }
    static func python(_ x: Float) -> String { x.isFinite ? "\(x)" : "float('nan')" }

    /// Sources/DMMCore/Kinds/Shaping/Mod.swift: a − b·⌊a/b⌋, and a where b = 0.
    static let modHelper = #"""
    def _mod(a, b):
        """mod (Kinds/Shaping/Mod.swift): GLSL's a - b*floor(a/b); a where b == 0."""
        zero = b == 0
        q = jnp.where(zero, np.float32(0), jnp.floor(a / jnp.where(zero, np.float32(1), b)))
        return a - b * q
    """#

    /// Sources/DMMCore/Kinds/HSV.swift: per channel f = clamp(|6·fract(H + k) − 3| − 1, 0, 1),
    /// c = V·(1 − S·(1 − f)), back to −1…1.
    static let hsvHelper = #"""
    def _hsv(h, s, v):
        """hsv (Kinds/HSV.swift): hue wraps, saturation and value map -1..1 onto 0..1 and clamp."""
        H = (h + 1) * np.float32(0.5)
        S = jnp.clip((s + 1) * np.float32(0.5), 0, 1)
        V = jnp.clip((v + 1) * np.float32(0.5), 0, 1)
        def channel(k):
            u = H + np.float32(k)
            f = jnp.clip(jnp.abs((u - jnp.floor(u)) * 6 - 3) - 1, 0, 1)
            return V * (1 - S * (1 - f)) * 2 - 1
        return channel(0.0), channel(2.0 / 3), channel(1.0 / 3)
    """#

    /// Sources/DMMCore/Kinds/Feedback.swift: the output at p reads the input bilinearly at
    /// R(rotate)·p / zoom + (tx, ty) + (dx, dy)(p) in coordinate units; outside the frame it
    /// reads by the edge mode (`Feedback.bilinear`): black 0, clamp, wrap or mirror.
    static let feedbackHelper = #"""
    def _feedback(src, zoom, rotate, tx, ty, dx, dy, edge):
        """feedback (Kinds/Feedback.swift): `src` sampled bilinearly at R(rotate)·p/zoom + (tx, ty)
        + (dx, dy) (coordinate units, the shorter side spans -1..1); outside the frame by `edge`."""
        lanes = src.shape[-1]
        n = WIDTH * HEIGHT
        img = src[:n]
        ox = jnp.broadcast_to(dx, src.shape)[:n]
        oy = jnp.broadcast_to(dy, src.shape)[:n]
        c, s = jnp.cos(rotate), jnp.sin(rotate)
        z = jnp.where(jnp.abs(zoom) < np.float32(1e-6), np.float32(1e-6), zoom)
        sc = np.float32(2) / np.float32(min(WIDTH, HEIGHT))
        x, y = _coordinates(n)
        qx = (c * x - s * y) / z + tx + ox
        qy = (s * x + c * y) / z + ty + oy
        px = qx / sc + np.float32(WIDTH) / 2 - np.float32(0.5)
        py = np.float32(HEIGHT) / 2 - np.float32(0.5) - qy / sc
        ok = jnp.isfinite(px) & jnp.isfinite(py)
        if edge == "black":
            ok = ok & (px > -2) & (py > -2) & (px < WIDTH + 1) & (py < HEIGHT + 1)
        px = jnp.where(ok, px, 0)
        py = jnp.where(ok, py, 0)
        if edge == "clamp":
            px = jnp.clip(px, -1, np.float32(WIDTH)); py = jnp.clip(py, -1, np.float32(HEIGHT))
        elif edge in ("wrap", "mirror"):
            pw = np.float32(WIDTH if edge == "wrap" else 2 * WIDTH)
            ph = np.float32(HEIGHT if edge == "wrap" else 2 * HEIGHT)
            px = jnp.clip(px - pw * jnp.floor(px / pw), 0, pw)
            py = jnp.clip(py - ph * jnp.floor(py / ph), 0, ph)
        fx0, fy0 = jnp.floor(px), jnp.floor(py)
        fx, fy = px - fx0, py - fy0
        x0, y0 = fx0.astype(jnp.int32), fy0.astype(jnp.int32)

        def index(i, m):
            if edge == "clamp":
                return jnp.clip(i, 0, m - 1)
            if edge == "wrap":
                return jnp.mod(i, m)
            if edge == "mirror":
                k = jnp.mod(i, 2 * m)
                return jnp.where(k < m, k, 2 * m - 1 - k)
            return jnp.clip(i, 0, m - 1)

        def at(col, row):
            v = img[index(row, HEIGHT) * WIDTH + index(col, WIDTH)]
            if edge == "black":
                inside = (col >= 0) & (col < WIDTH) & (row >= 0) & (row < HEIGHT)
                return jnp.where(inside, v, 0)
            return v

        v00, v10, v01, v11 = at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1)
        top = v00 + (v10 - v00) * fx
        bottom = v01 + (v11 - v01) * fx
        out = jnp.where(ok, top + (bottom - top) * fy, 0)
        return jnp.pad(out, (0, lanes - n))
    """#
}
