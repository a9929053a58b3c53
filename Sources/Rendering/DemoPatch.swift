/// The patch `dmm render` draws when given none: a plasma of interfering sines whose hue
/// drifts, fed back through a slow zoom and rotation for trails. Small enough to read, rich
/// enough to show what a DMM patch is.
public enum DemoPatch {
    public static let name = "demo"
    public static let text = """
    # demo.dmm: the built-in demo (dmm render with no patch)
    # Three interfering sines coloured in HSV, a spiral from the angle, and a feedback
    # trail that zooms and turns a little every frame.
    size 256x256
    fps 30
    frames 90

    t:  clock
    x:  coord.x
    y:  coord.y
    r:  coord.r
    th: coord.theta
    s1: sin
    s2: sin
    s3: sin
    fb: feedback
    out: hsv

    s1.a = 5
    s1.x = x + 0.6 y
    s1.b = 1.7 t
    s2.a = 3
    s2.x = 0.8 y - 0.5 x + 0.4 s1
    s2.b = -1.1 t
    s3.a = 7
    s3.x = r + 0.15 s2
    s3.b = -3 t + 6.2832 th      # 2π per turn: the spiral closes without a seam
    fb.in = 0.5 s3 + 0.6 fb      # trails: the spiral, plus what was there
    fb.zoom = 1.02
    fb.rotate = 0.02
    out.h = 0.45 s1 + 0.35 s2 + 0.1 t
    out.s = 0.5 + 0.3 s2
    out.v = 0.1 + 0.45 s3 + 0.5 fb
    """ + "\n"
}
