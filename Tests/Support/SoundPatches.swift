/// Small sound patches shared by the fitting and CLI tests of audio distillation.
public enum SoundPatches {
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
}
