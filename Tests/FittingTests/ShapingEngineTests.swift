import DMMTestSupport
import DMMCore
import Fitting
import Testing

/// The shaping kinds, the noise fields and feedback's displacement and edges inside whole
/// patches: the fitting engine's gradient (every kind's VJP, chained through the matrix and
/// through time) against central finite differences of its loss, as `EngineTests` does for the
/// older kinds. Inputs of the piecewise kinds are kept inside one piece (fract of 0.3…0.7,
/// mod with a/b in [0.75, 0.9]), where a finite difference sees their gradient; floor and
/// step are there to show that their zero gradient is what the loss sees too.
@Suite struct ShapingEngineTests {
    static let shaping = """
    size 16x12
    fps 30
    t:  clock
    x:  coord.x
    y:  coord.y
    n:  noise.perlin
    v:  noise.value
    w:  noise.worley
    m:  mix
    s:  smoothstep
    p:  pow
    fr: fract
    md: mod
    mx: max
    mn: min
    fl: floor
    st: step
    out: rgb

    n.x = 1.3 x
    n.y = 1.1 y + 0.2 t
    n.z = 0.5 t + 0.2
    n.freq = 2
    v.x = x + 0.3 n
    v.y = y
    v.z = 0.7 t
    v.freq = 1.5
    w.x = 0.8 x
    w.y = y + 0.1 n
    w.z = t
    w.freq = 1.2
    m.a = n
    m.b = v
    m.t = 0.5 + 0.3 x
    s.lo = -0.5
    s.hi = 0.6
    s.x = m + 0.2 y
    p.x = 1.2 + 0.3 s
    p.p = 1.5 + 0.2 n
    fr.x = 0.5 + 0.2 m
    md.a = 1.6 + 0.1 s
    md.b = 2 + 0.1 v
    mx.a = n
    mx.b = 0.8 v
    mn.a = 0.5 w
    mn.b = 0.3 + 0.2 n
    fl.x = 2.5 + 0.2 n
    st.edge = 0.9
    st.x = 0.3 m
    out.r = 0.5 p - 0.6 + 0.3 fr
    out.g = 0.6 mx + 0.3 md - 0.4 + 0.1 fl
    out.b = 0.5 mn + 0.2 w + 0.2 st
    """

    static func displacement(_ edge: String) -> String {
        """
        size 16x12
        fps 30
        t:  clock
        x:  coord.x
        y:  coord.y
        n:  noise.perlin
        s1: sin
        fb: feedback(edge: "\(edge)")
        out: rgb

        n.x = x
        n.y = y
        n.z = 0.8 t
        n.freq = 1.5
        s1.a = 3
        s1.x = x + 0.6 y
        s1.b = 1.7 t
        fb.in = 0.55 out.g + 0.42 fb
        fb.zoom = 0.9
        fb.rotate = 0.1
        fb.dx = 0.06 n
        fb.dy = 0.05 s1
        out.r = 0.5 s1 + 0.4 n
        out.g = 0.4 + 0.5 n
        out.b = 0.2 s1 + 0.8 fb
        """
    }

    static let patches = [shaping] + ["black", "clamp", "wrap", "mirror"].map(displacement)

    @Test(arguments: patches)
    func gradientMatchesFiniteDifferences(text: String) throws {
        let e = try EngineTests.engine(text, frames: 4, options: .init(tileLanes: 48, segmentTicks: 3, workers: 2))
        let w = e.initialWeights
        let g = e.evaluate(w).gradient
        #expect(g.count == e.parameters.count && g.count > 10)
        var bad: [String] = [], checked = 0
        for p in e.parameters.indices {
            let h = 1e-3 * max(1, abs(w[p]))
            var a = w, b = w
            a[p] += h; b[p] -= h
            let num = (e.evaluate(a, gradient: false).loss - e.evaluate(b, gradient: false).loss) / Double(a[p] - b[p])
            checked += 1
            if abs(num - g[p]) > 3e-5 + 3e-2 * abs(num) {
                bad.append("\(e.parameters[p].name(in: e.network)): analytic \(g[p]) numeric \(num)")
            }
        }
        #expect(bad.isEmpty, "\(bad.joined(separator: "\n"))")
        #expect(checked > 10)
    }
}
