#!/usr/bin/env python3
"""Per-kind field benchmark: every field kind of issue 12 next to `sin`, and the noise fields
against numpy implementations of the same algorithms, in the same run.

    python3 Benchmarks/visual/kinds.py [--reps 3] [--size 512] [--frames 60]

Each DMM patch evaluates three neurons of one kind per pixel (one per colour channel, inputs
from coord.x, coord.y and the clock), so "Mneuron-px per CPU-s" = 3 x pixels x frames / the
in-process compute CPU time (`dmm render --compute-only --stats`). The numpy rows evaluate the
same noise definitions (NoiseLattice.swift: lowbias32 hash, quintic fade, 27-cell Worley) in
float32 over whole frames, three fields per frame, single-threaded; DMM uses both cores, so
CPU seconds (not wall) are compared.
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DMM = os.path.join(ROOT, ".build", "release", "dmm")

# kind -> rows for neuron n (channel k = 0, 1, 2), written with {n}
KINDS = {
    "sin":          "{n}.a = 6\n{n}.x = x + 0.5 y\n{n}.b = {k} t",
    "fract":        "{n}.x = 3 x + 2 y + {k} t",
    "floor":        "{n}.x = 3 x + 2 y + {k} t",
    "mod":          "{n}.a = 3 x + {k} t\n{n}.b = 0.7 + 0.2 y",
    "step":         "{n}.edge = 0.3 y\n{n}.x = x + 0.{k} t",
    "smoothstep":   "{n}.lo = -0.5\n{n}.hi = 0.5 + 0.1 t\n{n}.x = x - y",
    "min":          "{n}.a = x + 0.{k} t\n{n}.b = y",
    "max":          "{n}.a = x + 0.{k} t\n{n}.b = y",
    "pow":          "{n}.x = x + 0.{k} t\n{n}.p = 1.5 + 0.5 y",
    "mix":          "{n}.a = x\n{n}.b = y\n{n}.t = 0.5 + 0.{k} t",
    "noise.value":  "{n}.x = x\n{n}.y = y\n{n}.z = 0.5 t + {k}\n{n}.freq = 8",
    "noise.perlin": "{n}.x = x\n{n}.y = y\n{n}.z = 0.5 t + {k}\n{n}.freq = 8",
    "noise.worley": "{n}.x = x\n{n}.y = y\n{n}.z = 0.5 t + {k}\n{n}.freq = 8",
}

def patch(kind, size, frames, decl=None):
    lines = [f"size {size}x{size}", "fps 30", f"frames {frames}", "seed 1", "t: clock", "x: coord.x", "y: coord.y"]
    rows = []
    for k, ch in enumerate("rgb"):
        n = f"n{k}"
        lines.append(f"{n}: {decl or kind}")
        rows += KINDS[kind].format(n=n, k=k + 1).split("\n")
        rows.append(f"out.{ch} = 0.5 {n}")
    lines.append("out: rgb")
    return "\n".join(lines + [""] + rows) + "\n"

def dmm_cpu(path):
    r = subprocess.run([DMM, "render", path, "--compute-only", "--stats", "-q"], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])["compute_cpu_s"]

# --- numpy versions of the noise definitions (float32, uint32 hashing) ----------------------
def numpy_noise(kind, size, frames):
    import numpy as np
    u32 = np.uint32
    c = 2.0 / size
    xs = ((np.arange(size, dtype=np.float32) + 0.5 - size / 2) * c)
    X0 = np.broadcast_to(xs[None, :], (size, size)).astype(np.float32)
    Y0 = np.broadcast_to(-xs[:, None], (size, size)).astype(np.float32)
    seed = u32(12345)
    def hsh(i, j, k):
        h = (i * u32(0x8DA6B343)) ^ (j * u32(0xD8163841)) ^ (k * u32(0xCB1AB31F)) ^ seed
        h ^= h >> u32(16); h *= u32(0x7FEB352D); h ^= h >> u32(15); h *= u32(0x846CA68B); h ^= h >> u32(16)
        return h
    def fade(t): return t * t * t * (t * (t * np.float32(6) - np.float32(15)) + np.float32(10))
    def split(v):
        f = np.floor(v); return f.astype(np.int32).view(u32), v - f
    def grad(h, x, y, z):
        h4 = h & u32(15)
        u = np.where(h4 < 8, x, y); v = np.where(h4 < 4, y, np.where((h4 == 12) | (h4 == 14), x, z))
        return np.where(h4 & u32(1), -u, u) + np.where(h4 & u32(2), -v, v)
    old = np.seterr(over="ignore")
    c0 = time.process_time()
    for f in range(frames):
        for k in range(3):
            X = X0 * np.float32(8); Y = Y0 * np.float32(8); Z = np.full_like(X, np.float32(0.5 * f / 30 + k + 1))
            (i, fx), (j, fy), (kk, fz) = split(X), split(Y), split(Z)
            if kind == "noise.worley":
                best = np.full_like(X, np.inf)
                for oz in (-1, 0, 1):
                    for oy in (-1, 0, 1):
                        for ox in (-1, 0, 1):
                            h = hsh(i + u32(ox & 0xffffffff), j + u32(oy & 0xffffffff), kk + u32(oz & 0xffffffff))
                            r = lambda s: ((h >> u32(s)) & u32(1023)).astype(np.float32) / np.float32(1024)
                            dx = np.float32(ox + 0.27) + np.float32(0.46) * r(0) - fx
                            dy = np.float32(oy + 0.27) + np.float32(0.46) * r(10) - fy
                            dz = np.float32(oz + 0.27) + np.float32(0.46) * r(20) - fz
                            np.minimum(best, dx * dx + dy * dy + dz * dz, out=best)
                out = np.sqrt(best) * np.float32(2) - np.float32(1)
            else:
                u, v, w = fade(fx), fade(fy), fade(fz)
                out = np.zeros_like(X)
                for dz in (0, 1):
                    for dy in (0, 1):
                        for dx in (0, 1):
                            h = hsh(i + u32(dx), j + u32(dy), kk + u32(dz))
                            if kind == "noise.value":
                                cv = (h >> u32(9)).astype(np.float32) / np.float32(4194304) - np.float32(1)
                            else:
                                cv = grad(h, fx - np.float32(dx), fy - np.float32(dy), fz - np.float32(dz))
                            wt = (u if dx else 1 - u) * (v if dy else 1 - v) * (w if dz else 1 - w)
                            out += wt * cv
    cpu = time.process_time() - c0
    np.seterr(**old)
    return cpu

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3); ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=60); ap.add_argument("--numpy-frames", type=int, default=4)
    a = ap.parse_args()
    if not os.path.exists(DMM): sys.exit("build first: swift build -c release -Xcc -march=x86-64-v3")
    tmp = tempfile.mkdtemp(prefix="dmm-kinds-")
    evals = 3 * a.size * a.size * a.frames
    print(f"field kinds, {a.size}x{a.size}, {a.frames} frames, 3 neurons of the kind per pixel "
          f"({evals / 1e6:.0f} M neuron-pixels); median of {a.reps}")
    print(f"  {'kind':14s} {'CPU s':>8s} {'Mneuron-px/CPU-s':>17s} {'vs sin':>7s}")
    results = {}
    for kind in KINDS:
        path = os.path.join(tmp, kind + ".dmm")
        with open(path, "w") as f: f.write(patch(kind, a.size, a.frames))
        dmm_cpu(path)                                            # warm-up
        cpu = statistics.median(dmm_cpu(path) for _ in range(a.reps))
        results[kind] = evals / cpu / 1e6
        print(f"  {kind:14s} {cpu:8.3f} {results[kind]:17.1f} {results[kind] / results['sin']:7.2f}")
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("numpy not installed: no reference rows"); return
    nf = a.numpy_frames
    nevals = 3 * a.size * a.size * nf
    print(f"\nnoise vs numpy float32 (same definitions, {nf} frames for numpy)")
    print(f"  {'kind':14s} {'numpy Mneuron-px/CPU-s':>23s} {'dmm':>8s} {'ratio':>7s}")
    for kind in ("noise.value", "noise.perlin", "noise.worley"):
        cpu = statistics.median(numpy_noise(kind, a.size, nf) for _ in range(max(1, a.reps // 2)))
        ref = nevals / cpu / 1e6
        print(f"  {kind:14s} {ref:23.1f} {results[kind]:8.1f} {results[kind] / ref:6.0f}x")

if __name__ == "__main__":
    main()
