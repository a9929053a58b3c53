/// The patch `dmm render` draws when given none: a plasma of interfering sines whose hue
/// drifts, fed back through a slow zoom and rotation for trails. Small enough to read, rich
/// enough to show what a DMM patch is.
public enum DemoPatch {
    public static let name = "demo"
    public static let text = """
    # demo.dmm: the built-in demo (dmm render with no patch)
    size 256x256
    fps 30
    frames 90

    t:  clock
    x:  coord.x
    y:  coord.y
    r:  coord.r
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
    s3.a = 9
    s3.x = r
    s3.b = -3 t + 0.8 s2
    fb.in = 0.55 out.g + 0.42 fb      # trails: the picture, plus what was there
    fb.zoom = 1.015
    fb.rotate = 0.01
    out.h = 0.5 s1 + 0.4 s2 + 0.05 t
    out.s = 0.4 + 0.5 s3
    out.v = 0.2 s3 + 0.8 fb
    """ + "\n"
}
