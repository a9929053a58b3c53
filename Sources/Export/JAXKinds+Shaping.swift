/// `smoothstep` and `pow` in an exported module (Sources/DMMCore/Kinds/Shaping).
extension JAXKinds {
    /// Smoothstep.swift: t = (x − lo)/(hi − lo) clamped to 0…1, then t·t·(3 − 2t); lo > hi
    /// keeps the formula (a falling edge); lo = hi is step(lo, x) with gradient 0. JAX's
    /// gradient of this expression is the kind's VJP (6t(1 − t)/d inside, 0 where clamped).
    static let smoothstepHelper = #"""
    def _smoothstep(lo, hi, x):
        """smoothstep (Kinds/Shaping/Smoothstep.swift): the Hermite edge t*t*(3 - 2t) of t = (x - lo)/(hi - lo)
        clamped to 0..1; lo > hi falls; lo == hi is step(lo, x) (0 below lo, else 1), gradient 0."""
        d = hi - lo
        flat = d == 0
        t = (x - lo) / jnp.where(flat, np.float32(1), d)
        t = jnp.where(flat, jnp.where(x < lo, np.float32(0), np.float32(1)), t)
        t = jnp.clip(t, np.float32(0), np.float32(1))
        return t * t * (np.float32(3) + np.float32(-2) * t)
    """#

    /// Pow.swift: sign(x)·exp(p·ln|x|) with |x| raised to the smallest normal float and the
    /// exponent clamped to −87…88; 0 at x = 0. The gradient is the kind's own VJP (a
    /// `jax.custom_jvp`): ∂/∂x = p·|y|/|x|, ∂/∂p = y·ln|x|, 0 at x = 0, not cut where the clamps
    /// act (JAX's derivative of the clamped expression would be 0 there).
    static let powHelper = #"""
    _TINY = np.float32(np.finfo(np.float32).tiny)   # Float.leastNormalMagnitude


    def _pow_parts(x, p):
        zero = x == 0
        a = jnp.where(jnp.abs(x) < _TINY, _TINY, jnp.abs(x))
        l = jnp.log(a)
        m = jnp.exp(jnp.clip(p * l, np.float32(-87), np.float32(88)))
        return jnp.where(zero, np.float32(0), jnp.copysign(m, x)), a, l, zero


    @jax.custom_jvp
    def _pow(x, p):
        """pow (Kinds/Shaping/Pow.swift): sign(x)*|x|^p, extended oddly to x < 0, 0 at x = 0; |x|^p is
        exp(p*ln|x|) with |x| at least the smallest normal float and the exponent clamped to -87..88."""
        return _pow_parts(x, p)[0]


    @_pow.defjvp
    def _pow_jvp(primals, tangents):
        """pow's gradients as the kind's backward: d/dx = p*|y|/|x|, d/dp = y*ln|x|, both 0 at x = 0."""
        x, p = primals
        tx, tp = tangents
        y, a, l, zero = _pow_parts(x, p)
        gx = jnp.where(zero, np.float32(0), p * jnp.abs(y) / a)
        gp = jnp.where(zero, np.float32(0), y * l)
        return y, gx * tx + gp * tp
    """#
}
