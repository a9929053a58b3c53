"""Helpers shared by the fitting benchmarks in this folder (bench_fit_ordinary.py).

  * ensure_deps(): installs jax and pillow with pip when they are missing;
  * dmm_adam_corrections(step): Adam's bias corrections computed exactly as Sources/Fitting/Adam.swift
    does (in Double from the Float betas, then rounded to Float), so a JAX Adam fed with them takes
    the same arithmetic path as `dmm fit`'s;
  * ADAM: dmm fit's hyper-parameters (Adam.swift, FitOptions.swift): lr 0.01, betas (0.9, 0.999), eps 1e-8;
  * run_dmm_fit(...): runs `dmm fit ... --stats` and returns its JSON line;
  * read_frames(...): 8-bit PNG frames as a uint8 array (frames, H, W, 3);
  * quantize(v): the renderer's picture to bytes (Sources/DMMCore/Kernels/Quantizer.swift);
  * print_table(...): the side-by-side table.
"""
import glob, json, os, subprocess, sys

# dmm fit's Adam: Sources/Fitting/Adam.swift (betas, eps) and FitOptions.swift (learningRate = 0.01).
ADAM = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
MARKS = [1, 10, 50, 100, 200, 250, 300, 500, 1000, 2000]


def ensure_deps():
    missing = []
    for mod, pkg in (("jax", "jax"), ("PIL", "pillow"), ("numpy", "numpy")):
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        cmd = [sys.executable, "-m", "pip", "install", "-q"] + missing
        if subprocess.call(cmd) != 0:
            subprocess.check_call(cmd + ["--break-system-packages"])


def dmm_adam_corrections(step, beta1=ADAM["beta1"], beta2=ADAM["beta2"]):
    """(c1, c2) of Adam.swift at update number `step` (1-based):
    c = 1 - Float(pow(Double(beta), Double(step))) with beta a Float."""
    import numpy as np
    b1 = float(np.float32(beta1)); b2 = float(np.float32(beta2))
    c1 = np.float32(1) - np.float32(b1 ** step)
    c2 = np.float32(1) - np.float32(b2 ** step)
    return c1, c2


def quantize(v):
    """Picture values in -1..1 to bytes as the renderer does: round((v + 1) * 127.5) clamped to 0..255
    (round half to even, like the magic-number add in Quantizer.byte)."""
    import numpy as np
    x = np.clip((np.asarray(v, dtype=np.float32) + np.float32(1)) * np.float32(127.5), 0, 255)
    return np.rint(x).astype(np.uint8)


def read_frames(pattern):
    """Sorted PNGs matching `pattern` as uint8 (frames, H, W, 3)."""
    import numpy as np
    from PIL import Image
    files = sorted(glob.glob(pattern))
    if not files:
        sys.exit(f"no frames match {pattern}")
    return np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])


def run_dmm_fit(dmm, patch, target, steps, lr, output, extra=()):
    cmd = [dmm, "fit", patch, "--target", target, "--steps", str(steps), "--lr", repr(lr),
           "--initialisation", "given", "--quiet", "--stats", "-o", output, *extra]
    print("$ " + " ".join(cmd), flush=True)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("dmm fit failed:\n" + out.stderr)
    d = json.loads(out.stdout.strip().splitlines()[-1])
    return {"step_ms": d["ms_per_step"], "cpu_s": d["cpu_seconds"], "wall_s": d["seconds"],
            "mse_at": {int(k): v for k, v in d["losses_at"].items()}, "final_mse": d["loss"], "steps": d["steps"]}


def print_table(jx, dm, steps, units):
    """jx: {'step_ms', 'cpu_s', 'mse_at', 'final_mse'} (or {} when JAX was skipped); dm: run_dmm_fit's."""
    nan = float("nan")
    print(f"\n{'':28}{'JAX (CPU)':>16}{'dmm fit':>16}")
    if jx:
        print(f"{'time per step (median)':28}{jx['step_ms']:>13.2f} ms{dm['step_ms']:>13.2f} ms")
        print(f"{'CPU seconds, all steps':28}{jx['cpu_s']:>16.2f}{dm['cpu_s']:>16.2f}")
        print(f"{'CPU ms per step':28}{jx['cpu_s'] * 1e3 / steps:>16.2f}{dm['cpu_s'] * 1e3 / steps:>16.2f}")
    else:
        print(f"{'time per step':28}{'-':>16}{dm['step_ms']:>13.2f} ms")
        print(f"{'CPU seconds, all steps':28}{'-':>16}{dm['cpu_s']:>16.2f}")
    for s in sorted(set(MARKS + [steps])):
        if s > steps:
            continue
        a = jx["mse_at"].get(s, nan) if jx else nan
        print(f"{'loss (' + units + ') @ ' + str(s):28}{a:>16.4e}{dm['mse_at'].get(s, nan):>16.4e}")
    if jx:
        print(f"{'loss after the last step':28}{jx['final_mse']:>16.4e}{dm['final_mse']:>16.4e}")
        print(f"\nratio dmm/JAX time per step: {dm['step_ms'] / jx['step_ms']:.3f} (target <= 0.1); "
              f"CPU: {dm['cpu_s'] / jx['cpu_s']:.3f}")
