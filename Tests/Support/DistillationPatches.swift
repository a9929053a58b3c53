/// Patches shared by the fitting and CLI tests of distillation.
public enum DistillationPatches {
    /// Two sines (freq, pm) through a saturator into the sound, at 8 kHz in blocks of 32:
    /// `v` = a.freq, b.freq, b.pm, sat.x ← a, sat.x ← b, out.left ← sat, out.left ← b.
    public static func twoSines(_ v: [Double], comment: String = "") -> String {
        """
        \(comment)rate 8000
        block 32
        a: osc.sine
        b: osc.sine
        sat: tanh
        out: audio.out
        a.freq = \(v[0])
        b.freq = \(v[1])
        b.pm = \(v[2])
        sat.x = \(v[3]) a + \(v[4]) b
        out.left = \(v[5]) sat + \(v[6]) b

        """
    }

    /// A picture teacher: four sines, a product and a tanh over x, y and t (24 weights),
    /// 16×16, 8 frames.
    public static let fieldTeacher = """
    size 16x16
    fps 30
    frames 8
    x: coord.x
    y: coord.y
    t: clock
    a: sin
    b: sin
    c: sin
    d: sin
    m: mul
    e: tanh
    out: rgb

    a.x = 3 x + 1.5 y + 2 t
    a.b = 0.4
    b.x = -2.5 y + x - 1.5 t
    c.x = 1.2 a + 0.8 b
    d.x = 2 x - 2 y
    m.a = a
    m.b = d
    e.x = c + 0.5 m
    out.r = 0.8 a
    out.g = 0.6 e + 0.1
    out.b = 0.5 b - 0.3 m
    """
}
