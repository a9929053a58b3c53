#!/usr/bin/env python3
"""Visual benchmark: the shared 512x512x120 six-sine workload, DMMSynth side by side with
ffmpeg geq and numpy in the same run (../shared/bench/README.md). Prints CPU seconds and ratios.

    python3 Benchmarks/visual/run.py [--reps 3]

Needs: the release binary (.build/release/dmm, built with -Xcc -march=x86-64-v3), ffmpeg,
numpy; Pillow for the numpy -> PNG row (skipped without it).
(a) field computation only, in Mpix per CPU-second;
(b) end to end to PNG files: wall time, CPU time, bytes per frame, encode ms per frame per core.
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DMM = os.path.join(ROOT, ".build", "release", "dmm")
PATCH = os.path.join(HERE, "bench.dmm")
W = H = 512; FRAMES = 120; FPS = 30; PIX = W * H * FRAMES
COEF = {"r": (0.05, 0.07, 2.0, 0.031, -0.043, 3.0), "g": (0.06, -0.05, 1.5, 0.025, 0.037, 2.5),
        "b": (-0.04, 0.08, 2.5, 0.045, 0.02, 1.0)}

def run(cmd):
    """(wall, cpu of the child, stdout)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    p = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wall = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), p.stdout

def median_of(reps, f):
    rs = [f() for _ in range(reps + 1)][1:]          # first run warms caches
    return {k: statistics.median(r[k] for r in rs) for k in rs[0]}

def geq_cmd(out):
    expr = lambda ch: "128+64*sin({0}*X+({1})*Y+{2}*T)+63*sin({3}*X+({4})*Y+{5}*T)".format(*COEF[ch])
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
            f"color=c=black:s={W}x{H}:r={FPS}:d={FRAMES/FPS}", "-vf",
            f"format=gbrp,geq=r='{expr('r')}':g='{expr('g')}':b='{expr('b')}'", "-frames:v", str(FRAMES)] + out

def numpy_eval(dtype_name):
    import numpy as np
    dtype = getattr(np, dtype_name)
    X = np.arange(W, dtype=dtype)[None, :]; Y = np.arange(H, dtype=dtype)[:, None]
    c0 = time.process_time(); t0 = time.perf_counter()
    for n in range(FRAMES):
        T = dtype(n / FPS); out = np.empty((H, W, 3), np.uint8)
        for k, ch in enumerate("rgb"):
            a1, b1, c1, a2, b2, c2 = (dtype(v) for v in COEF[ch])
            v = dtype(128) + dtype(64) * np.sin(a1 * X + b1 * Y + c1 * T) + dtype(63) * np.sin(a2 * X + b2 * Y + c2 * T)
            np.clip(v, 0, 255, out=v); out[..., k] = v.astype(np.uint8)
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}

def dir_bytes(d):
    fs = [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".png")]
    return len(fs), sum(os.path.getsize(f) for f in fs) / max(1, len(fs))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--reps", type=int, default=3); a = ap.parse_args()
    if not os.path.exists(DMM): sys.exit("build first: swift build -c release -Xcc -march=x86-64-v3")
    if not shutil.which("ffmpeg"): sys.exit("ffmpeg is needed: apt-get install ffmpeg")
    tmp = tempfile.mkdtemp(prefix="dmm-bench-")
    rows = {}
    # (a) compute only
    def dmm_compute():
        wall, cpu, out = run([DMM, "render", PATCH, "--compute-only", "--stats", "-q"])
        s = json.loads(out.strip().splitlines()[-1])
        return {"wall": wall, "cpu": cpu, "kernel_cpu": s["compute_cpu_s"], "kernel_wall": s["compute_s"]}
    rows["dmm"] = median_of(a.reps, dmm_compute)
    rows["geq"] = median_of(a.reps, lambda: dict(zip(("wall", "cpu"), run(geq_cmd(["-f", "null", "-"]))[:2])))
    rows["numpy_f32"] = median_of(a.reps, lambda: numpy_eval("float32"))
    rows["numpy_f64"] = median_of(a.reps, lambda: numpy_eval("float64"))
    mp = lambda cpu: PIX / cpu / 1e6
    print(f"(a) field computation only: {W}x{H}, {FRAMES} frames, 6 sines per pixel ({PIX/1e6:.1f} Mpix)")
    print(f"  {'':28s} {'wall s':>8s} {'CPU s':>8s} {'Mpix/CPU-s':>11s}")
    print(f"  {'dmm (in-process compute)':28s} {rows['dmm']['kernel_wall']:8.3f} {rows['dmm']['kernel_cpu']:8.3f} {mp(rows['dmm']['kernel_cpu']):11.1f}")
    print(f"  {'dmm (whole process)':28s} {rows['dmm']['wall']:8.3f} {rows['dmm']['cpu']:8.3f} {mp(rows['dmm']['cpu']):11.1f}")
    for k, label in (("geq", "ffmpeg geq (-f null)"), ("numpy_f32", "numpy float32 (in-process)"), ("numpy_f64", "numpy float64 (in-process)")):
        print(f"  {label:28s} {rows[k]['wall']:8.3f} {rows[k]['cpu']:8.3f} {mp(rows[k]['cpu']):11.1f}")
    ours = mp(rows["dmm"]["kernel_cpu"]); ours_proc = mp(rows["dmm"]["cpu"])
    print(f"  ratio vs geq: {ours / mp(rows['geq']['cpu']):.0f}x (whole process {ours_proc / mp(rows['geq']['cpu']):.0f}x; target >= 250x)")
    print(f"  ratio vs numpy float32: {ours / mp(rows['numpy_f32']['cpu']):.1f}x (whole process {ours_proc / mp(rows['numpy_f32']['cpu']):.1f}x; target >= 10x)")

    # (b) end to end to PNG
    def dmm_png():
        d = os.path.join(tmp, "dmm"); shutil.rmtree(d, ignore_errors=True)
        wall, cpu, out = run([DMM, "render", PATCH, "-o", d, "--stats", "-q"])
        s = json.loads(out.strip().splitlines()[-1]); n, size = dir_bytes(d)
        return {"wall": wall, "cpu": cpu, "bytes": size, "files": n, "encode_cpu": s["encode_cpu_s"]}
    def geq_png():
        d = os.path.join(tmp, "geq"); shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
        wall, cpu, _ = run(geq_cmd(["-f", "image2", os.path.join(d, "f%04d.png")]))
        n, size = dir_bytes(d)
        return {"wall": wall, "cpu": cpu, "bytes": size, "files": n}
    e2e = {"dmm": median_of(a.reps, dmm_png), "geq": median_of(a.reps, geq_png)}
    print(f"\n(b) end to end to {FRAMES} PNG files")
    print(f"  {'':28s} {'wall s':>8s} {'CPU s':>8s} {'KB/frame':>9s}")
    for k, label in (("dmm", "dmm render (level 1, Paeth)"), ("geq", "ffmpeg geq -> PNG (default)")):
        print(f"  {label:28s} {e2e[k]['wall']:8.3f} {e2e[k]['cpu']:8.3f} {e2e[k]['bytes']/1024:9.1f}")
    print(f"  ratio (wall): {e2e['geq']['wall'] / e2e['dmm']['wall']:.1f}x faster (target >= 10x); "
          f"files {e2e['dmm']['bytes'] / e2e['geq']['bytes']:.2f} of ffmpeg's size (target <= 1)")
    print(f"  PNG encoding: {1000 * e2e['dmm']['encode_cpu'] / FRAMES:.1f} ms per frame per core (target <= 20)")
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
