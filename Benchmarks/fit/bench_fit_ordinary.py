#!/usr/bin/env python3
"""Second fitting benchmark: an ORDINARY DMM patch, fitted by `dmm fit` and by JAX implementing the
DMM's own tick semantics (the reference), side by side in one run.

The patch is what a user would write, with no compensating plumbing and no frozen (`!`) weights:

    x: coord.x      y: coord.y      t: clock
    s1_1 … s1_8: sin      s1_i.a = w   s1_i.x = w x + w y + w t   s1_i.b = w
    s2_1 … s2_8: sin      s2_i.a = w   s2_i.x = Σ_j w s1_j         s2_i.b = w
    out: rgb              out.c  = Σ_j w s2_j + w                   (c = r, g, b)

147 trainable weights (8·5 + 8·10 + 3·9). The JAX side is a DMM interpreter for exactly this
network, written from the semantics (shared/docs/dmm.md §3, Sources/DMMCore), not from JAX's CPPN:
  * two-stroke tick: every input at tick τ is Σ W·y(τ−1) over the previous tick's outputs
    (weights from `one` are constants); then every neuron maps its inputs to its outputs;
  * the state (every output) starts at zero, except `one` = 1 and the coordinate fields;
  * the run starts at tick −warmUp, warmUp = the longest chain of connections into the display
    neuron (connections from `one` do not count; computed from the parsed patch and checked against
    `dmm inspect`); frame k (0-based) is the picture at tick k;
  * clock(τ) = Float(τ · (1/fps)) seconds; coord.x/coord.y as Sources/DMMCore/Kinds/Coordinates.swift
    (pixel centres, shorter side spans −1…1, y upwards);
  * sin(a·x + b) with a, x and b each a row; rgb is the identity, the picture in −1…1;
  * loss = mean of (clamp(picture, −1, 1) − target)² over frames × pixels × 3 in −1…1 units (the
    renderer clamps before it rounds, so this is the error of `dmm render`), the targets being
    8-bit PNGs read as byte/127.5 − 1 (Sources/Fitting/FitTargets.swift).
It is unrolled with lax.scan over the ticks (carry = every output), jitted, differentiated with
value_and_grad and optimised with Adam using dmm fit's hyper-parameters (Adam.swift, FitOptions.swift:
lr 1e-2, betas 0.9/0.999, eps 1e-8, bias corrections computed as Adam.swift does).

Steps:
  1. hidden weights (numpy seed --true-seed) -> ordinary-true.dmm; start = hidden + N(0, sigma²)
     (seed --seed) -> ordinary-init.dmm. JAX reads its weights back FROM THOSE FILES (a small parser).
  2. targets: `dmm render ordinary-true.dmm --frames N -o frames-ordinary` (8-bit PNGs).
  3. check: the JAX forward on the hidden weights, quantised like the renderer, against those PNGs
     (max byte difference must be <= 1), and the same for the start weights against a render of
     ordinary-init.dmm.
  4. JAX: S Adam steps (jit compile excluded); dmm fit: S steps from ordinary-init.dmm
     (`--initialisation given`); table of time per step, CPU seconds, losses at 1/10/100/…/final.

Usage:
  python3 Benchmarks/fit/bench_fit_ordinary.py --dmm .build/release/dmm                 # 128x128x120, 300 steps
  python3 Benchmarks/fit/bench_fit_ordinary.py --dmm .build/release/dmm --res 32 --frames 12 --steps 30
"""
import argparse, json, os, re, shutil, subprocess, sys, time

sys.dont_write_bytecode = True          # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fitbench  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--dmm", required=True, help="path to the dmm binary")
p.add_argument("--res", type=int, default=128)
p.add_argument("--frames", type=int, default=120)
p.add_argument("--steps", type=int, default=300)
p.add_argument("--fps", type=float, default=30.0)
p.add_argument("--lr", type=float, default=fitbench.ADAM["lr"])
p.add_argument("--sigma", type=float, default=0.3, help="start = hidden weights + N(0, sigma^2)")
p.add_argument("--seed", type=int, default=0, help="seed of the perturbation")
p.add_argument("--true-seed", type=int, default=1000, help="seed of the hidden weights")
p.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "fit"))
p.add_argument("--check-only", action="store_true", help="stop after the forward check")
p.add_argument("--skip-jax", action="store_true", help="only run dmm fit")
p.add_argument("--skip-dmm", action="store_true", help="only run JAX")
p.add_argument("--no-fail", action="store_true", help="go on even if the forward check fails")
p.add_argument("--also", action="append", default=[], metavar="LABEL=PATH",
               help="time another dmm binary in the same run (e.g. a -march=native build); repeatable")
args = p.parse_args()
fitbench.ensure_deps()
import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

NH = 8
work = os.path.abspath(args.work)
os.makedirs(work, exist_ok=True)
TRUE_PATCH = os.path.join(work, "ordinary-true.dmm")
INIT_PATCH = os.path.join(work, "ordinary-init.dmm")
FITTED_PATCH = os.path.join(work, "ordinary-fitted.dmm")
FRAMES_DIR = os.path.join(work, "frames-ordinary")
INIT_FRAMES_DIR = os.path.join(work, "frames-ordinary-init")
f32 = np.float32

# ---- 1. weights and patches ---------------------------------------------------------------------
def hidden(seed):
    r = np.random.default_rng(seed)
    A1 = np.concatenate([2.0 * r.standard_normal((NH, 2)),          # x, y: a few stripes across
                         1.0 * r.standard_normal((NH, 1))], 1)      # t in seconds (0…4 s at 120 frames)
    return {k: v.astype(f32) for k, v in {
        "a1": r.uniform(0.75, 1.25, NH), "A1": A1, "b1": r.uniform(-np.pi, np.pi, NH),
        "a2": r.uniform(0.75, 1.25, NH), "A2": 0.6 * r.standard_normal((NH, NH)), "b2": r.uniform(-np.pi, np.pi, NH),
        "A3": 0.25 * r.standard_normal((3, NH)), "b3": 0.1 * r.standard_normal(3)}.items()}

def perturbed(P, sigma, seed):
    r = np.random.default_rng(seed)
    return {k: (v + sigma * r.standard_normal(v.shape)).astype(f32) for k, v in sorted(P.items())}

def num(x):
    return repr(float(f32(x)))      # shortest decimal of the float32: Float("...") gives it back exactly

def terms(ws, srcs, const=None):
    t = [f"{num(w)} {s}" for w, s in zip(ws, srcs)] + ([num(const)] if const is not None else [])
    return " + ".join(t).replace("+ -", "- ")

def patch_text(P, title):
    L = [f"# {title}", "# An ordinary 16-sin CPPN over x, y, t (Benchmarks/fit/bench_fit_ordinary.py).",
         f"size {args.res}x{args.res}", f"fps {num(args.fps)}", f"frames {args.frames}", "",
         "x: coord.x", "y: coord.y", "t: clock"]
    L += [f"s1_{i + 1}: sin" for i in range(NH)] + [f"s2_{i + 1}: sin" for i in range(NH)] + ["out: rgb", ""]
    for i in range(NH):
        L += [f"s1_{i + 1}.a = {num(P['a1'][i])}",
              f"s1_{i + 1}.x = {terms(P['A1'][i], ['x', 'y', 't'])}",
              f"s1_{i + 1}.b = {num(P['b1'][i])}"]
    for i in range(NH):
        L += [f"s2_{i + 1}.a = {num(P['a2'][i])}",
              f"s2_{i + 1}.x = {terms(P['A2'][i], [f's1_{j + 1}' for j in range(NH)])}",
              f"s2_{i + 1}.b = {num(P['b2'][i])}"]
    for c, ch in enumerate("rgb"):
        L.append(f"out.{ch} = {terms(P['A3'][c], [f's2_{j + 1}' for j in range(NH)], P['b3'][c])}")
    return "\n".join(L) + "\n"

# ---- A reader for the subset of the patch language these files use -------------------------------
PORTS = {"sin": ["a", "x", "b"], "rgb": ["r", "g", "b"], "coord.x": [], "coord.y": [], "clock": []}
DEFAULTS = {("sin", "a"): 1.0}
NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

def parse_patch(path):
    """-> (headers, kinds {name: kind}, rows {(neuron, port): {source: weight}}); bare numbers are
    weights from 'one', a missing weight is 1, port defaults apply to rows never written."""
    headers, kinds, rows = {}, {"one": "one"}, {}
    for ln, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^(size|fps|frames|seed)\s+(\S+)$", line)
        if m:
            headers[m.group(1)] = m.group(2); continue
        m = re.match(r"^([A-Za-z_]\w*)\s*:\s*([\w.]+)$", line)
        if m:
            kinds[m.group(1)] = m.group(2); continue
        m = re.match(r"^([A-Za-z_]\w*)\.(\w+)\s*=\s*(.+)$", line)
        if not m:
            sys.exit(f"{path}:{ln}: cannot read: {line}")
        row, toks, sign, w = {}, m.group(3).split(), 1.0, None
        def flush(src):
            nonlocal w, sign
            if "!" in src:
                sys.exit(f"{path}:{ln}: frozen weights are not part of this benchmark")
            row[src] = row.get(src, 0.0) + sign * (1.0 if w is None else w)
            w, sign = None, 1.0
        for tk in toks:
            if tk in "+-":
                if w is not None:
                    flush("one")
                sign = -1.0 if tk == "-" else 1.0
            elif NUM.match(tk):
                if w is not None:
                    flush("one")
                w = float(tk)
            else:
                flush(tk)
        if w is not None:
            flush("one")
        rows[(m.group(1), m.group(2))] = row
    for n, k in kinds.items():
        for port in PORTS.get(k, []):
            if (n, port) not in rows and (k, port) in DEFAULTS:
                rows[(n, port)] = {"one": DEFAULTS[(k, port)]}
    return headers, kinds, rows

def warm_up(kinds, rows):
    """Network.warmUpTicks: longest chain of connections into the display neuron (loops cut,
    connections from `one` ignored), at least 1."""
    preds = {n: set() for n in kinds}
    for (n, _), row in rows.items():
        for src, w in row.items():
            if src != "one" and w != 0:
                preds[n].add(src.split(".")[0])
    memo, stack = {}, set()
    def depth(v):
        if v in memo: return memo[v]
        if v in stack: return 0
        stack.add(v)
        d = max([depth(q) + 1 for q in preds[v] if q != v], default=0)
        stack.discard(v); memo[v] = d
        return d
    return max(1, max(depth(n) for n, k in kinds.items() if k == "rgb"))

def params_from_patch(path):
    """The weights of a patch of this layout as the JAX parameter arrays (every entry accounted for)."""
    headers, kinds, rows = parse_patch(path)
    used = {k: dict(v) for k, v in rows.items()}
    def take(n, port, src):
        return f32(used[(n, port)].pop(src, 0.0))
    s1 = [f"s1_{i + 1}" for i in range(NH)]; s2 = [f"s2_{i + 1}" for i in range(NH)]
    P = {"a1": np.array([take(n, "a", "one") for n in s1]),
         "A1": np.array([[take(n, "x", s) for s in ("x", "y", "t")] for n in s1]),
         "b1": np.array([take(n, "b", "one") for n in s1]),
         "a2": np.array([take(n, "a", "one") for n in s2]),
         "A2": np.array([[take(n, "x", s) for s in s1] for n in s2]),
         "b2": np.array([take(n, "b", "one") for n in s2]),
         "A3": np.array([[take("out", c, s) for s in s2] for c in "rgb"]),
         "b3": np.array([take("out", c, "one") for c in "rgb"])}
    left = {k: v for k, v in used.items() if v}
    if left:
        sys.exit(f"{path}: weights outside this benchmark's layout: {left}")
    kinds_ok = all(kinds.get(n) == "sin" for n in s1 + s2) and kinds.get("x") == "coord.x" \
        and kinds.get("y") == "coord.y" and kinds.get("t") == "clock" and kinds.get("out") == "rgb"
    if not kinds_ok:
        sys.exit(f"{path}: neurons differ from this benchmark's layout: {kinds}")
    return P, headers, warm_up(kinds, rows)

true_w = hidden(args.true_seed)
init_w = perturbed(true_w, args.sigma, args.seed)
open(TRUE_PATCH, "w").write(patch_text(true_w, f"the hidden target weights (seed {args.true_seed})"))
open(INIT_PATCH, "w").write(patch_text(init_w, f"start: hidden weights + N(0, {args.sigma}^2), seed {args.seed}"))
P_true, hdr, W_true = params_from_patch(TRUE_PATCH)
P_init, _, W_init = params_from_patch(INIT_PATCH)
for a, b in ((true_w, P_true), (init_w, P_init)):
    assert all(np.array_equal(a[k], b[k]) for k in a), "patch round trip changed a weight"
assert W_true == W_init
WARM = W_true
FPS = float(hdr["fps"])
nparams = sum(v.size for v in P_init.values())

def sh(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return r.stdout

insp = sh([args.dmm, "inspect", INIT_PATCH])
m = re.search(r"warm-up ticks before frame 1: (\d+)", insp)
print(f"patch: {nparams} trainable weights; warm-up {WARM} ticks (dmm inspect says {m.group(1) if m else '?'})")
if m and int(m.group(1)) != WARM:
    sys.exit("warm-up disagrees with dmm inspect")

# ---- 2. targets --------------------------------------------------------------------------------
def render(patch, out_dir):
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = [args.dmm, "render", patch, "--frames", str(args.frames), "-o", out_dir, "-q"]
    print("$ " + " ".join(cmd), flush=True)
    sh(cmd)
    return fitbench.read_frames(os.path.join(out_dir, "*.png"))

target_b = render(TRUE_PATCH, FRAMES_DIR)
assert target_b.shape == (args.frames, args.res, args.res, 3), target_b.shape

# ---- The DMM in JAX ----------------------------------------------------------------------------
H = Wd = args.res
def coord_fields(w, h):
    """coord.x, coord.y of Coordinates.swift, in Float, row-major pixels."""
    s = f32(2) / f32(min(w, h))
    col = np.tile(np.arange(w, dtype=f32), h); row = np.repeat(np.arange(h, dtype=f32), w)
    x = (col + f32(0.5) - f32(w) / f32(2)) * s
    y = (f32(h) / f32(2) - row - f32(0.5)) * s
    return x.astype(f32), y.astype(f32)

CX, CY = (jnp.asarray(v) for v in coord_fields(Wd, H))
TICKS = np.arange(-WARM, args.frames)                             # tick −warmUp … frames−1
CLOCK = jnp.asarray((TICKS.astype(np.float64) * (1.0 / FPS)).astype(f32))   # clock output at each tick

def run_ticks(P):
    """The picture of every frame, (frames, pixels, 3): lax.scan over the ticks, carry = every output
    (one and the coordinates are constants outside the carry)."""
    npx = CX.shape[0]
    xy1 = CX[:, None] * P["A1"][:, 0] + CY[:, None] * P["A1"][:, 1]        # the constant fields' terms of s1_i.x

    def tick(state, clock_now):
        clock, s1, s2, out = state                                         # outputs of tick τ−1
        # down movement: every input from the previous tick's outputs
        a1, x1, b1 = P["a1"], xy1 + clock * P["A1"][:, 2], P["b1"]
        a2, x2, b2 = P["a2"], s1 @ P["A2"].T, P["b2"]
        rgb_in = s2 @ P["A3"].T + P["b3"]
        # up movement
        s1n = jnp.sin(a1 * x1 + b1)
        s2n = jnp.sin(a2 * x2 + b2)
        outn = rgb_in                                                      # rgb: identity
        return (clock_now, s1n, s2n, outn), outn

    z = jnp.zeros
    state0 = (jnp.float32(0), z((npx, NH), jnp.float32), z((npx, NH), jnp.float32), z((npx, 3), jnp.float32))
    _, pics = jax.lax.scan(tick, state0, CLOCK)
    return pics[WARM:]                                                     # frame k = tick k

def tojax(P):
    return {k: jnp.asarray(v) for k, v in P.items()}

forward = jax.jit(run_ticks)

# ---- 3. check the JAX forward against dmm render -------------------------------------------------
def check(P, frames_b, label):
    pic = np.asarray(forward(tojax(P))).reshape(args.frames, H, Wd, 3)
    d = np.abs(fitbench.quantize(pic).astype(int) - frames_b.astype(int))
    print(f"forward check ({label}): max byte difference {d.max()}, {int((d > 0).sum())} of {d.size} bytes differ, "
          f"{int((d > 1).sum())} by more than 1 -> {'OK' if d.max() <= 1 else 'FAIL'}", flush=True)
    return d.max() <= 1

ok = check(P_true, target_b, "hidden weights vs dmm render")
ok &= check(P_init, render(INIT_PATCH, INIT_FRAMES_DIR), "start weights vs dmm render")
if not ok and not args.no_fail:
    sys.exit("the JAX DMM forward does not match dmm render")
if args.check_only:
    sys.exit(0)

# ---- 4a. dmm fit, before JAX (and again after it: the machine's speed drifts over minutes, so
# every dmm binary runs once before and once after the JAX run and the two are averaged) --------
binaries = [("dmm", args.dmm)] + [tuple(a.split("=", 1)) for a in args.also]
runs = {label: [] for label, _ in binaries}
def run_all_dmm():
    for label, path in binaries:
        runs[label].append(fitbench.run_dmm_fit(path, INIT_PATCH, os.path.join(FRAMES_DIR, "*.png"),
                                                args.steps, args.lr, FITTED_PATCH))
if not args.skip_dmm:
    run_all_dmm()

# ---- 4b. JAX fit ---------------------------------------------------------------------------------
target = jnp.asarray(target_b.reshape(args.frames, -1, 3).astype(np.float32) / np.float32(127.5) - np.float32(1))

def loss(P):
    # The picture as dmm render draws it before rounding: clamped to −1…1 (the quantiser's
    # clamp); jnp.clip's gradient is 0 outside, as the fitter's.
    return jnp.mean((jnp.clip(run_ticks(P), -1.0, 1.0) - target) ** 2)

B1, B2, EPS = (jnp.float32(fitbench.ADAM[k]) for k in ("beta1", "beta2", "eps"))
LR = jnp.float32(args.lr)

@jax.jit
def adam_step(P, m, v, c1, c2):
    l, g = jax.value_and_grad(loss)(P)
    tm = jax.tree_util.tree_map
    m = tm(lambda m_, g_: B1 * m_ + (1 - B1) * g_, m, g)
    v = tm(lambda v_, g_: B2 * v_ + (1 - B2) * g_ * g_, v, g)
    P = tm(lambda p_, m_, v_: p_ - LR * (m_ / c1) / (jnp.sqrt(v_ / c2) + EPS), P, m, v)
    return P, m, v, l

final_loss = jax.jit(loss)
marks = set(fitbench.MARKS + [args.steps])
jx = {}
if not args.skip_jax:
    P = tojax(P_init)
    m = jax.tree_util.tree_map(jnp.zeros_like, P); v = jax.tree_util.tree_map(jnp.zeros_like, P)
    t0 = time.perf_counter()
    c1, c2 = fitbench.dmm_adam_corrections(1)
    adam_step(P, m, v, c1, c2)[-1].block_until_ready()                    # compile: not counted
    final_loss(P).block_until_ready()
    compile_s = time.perf_counter() - t0
    times, hist = [], {}
    c0 = time.process_time(); w0 = time.perf_counter()
    for s in range(1, args.steps + 1):
        c1, c2 = fitbench.dmm_adam_corrections(s)
        t1 = time.perf_counter()
        P, m, v, l = adam_step(P, m, v, c1, c2)
        l.block_until_ready()
        times.append(time.perf_counter() - t1)
        if s in marks:
            hist[s] = float(l)
    cpu = time.process_time() - c0; wall = time.perf_counter() - w0
    steady = times[5:] if len(times) > 10 else times
    jx = {"jax": jax.__version__, "compile_s": compile_s, "step_ms": 1e3 * float(np.median(steady)),
          "cpu_s": cpu, "wall_s": wall, "mse_at": hist, "final_mse": float(final_loss(P))}
    print(json.dumps({"jax": jx}), flush=True)

# ---- 4c. dmm fit again, after JAX ------------------------------------------------------------------
dm_all = {}
if not args.skip_dmm:
    if not args.skip_jax:
        run_all_dmm()
    for label, rs in runs.items():
        d = dict(rs[-1])
        d["step_ms"] = sum(r["step_ms"] for r in rs) / len(rs)
        d["cpu_s"] = sum(r["cpu_s"] for r in rs) / len(rs)
        d["runs_step_ms"] = [r["step_ms"] for r in rs]
        dm_all[label] = d
        print(json.dumps({label: d}), flush=True)
dm = dm_all.get("dmm", {})

# ---- Side by side --------------------------------------------------------------------------------
print(f"\nordinary 16-sin CPPN, {args.res}x{args.res}x{args.frames}, {nparams} weights, warm-up {WARM}, "
      f"{args.steps} Adam steps (lr {args.lr}), start = hidden + N(0, {args.sigma}^2)")
if dm:
    fitbench.print_table(jx, dm, args.steps, "-1..1")
    for label, d in dm_all.items():
        if jx:
            print(f"{label:>10}: {d['step_ms']:.2f} ms/step (runs {', '.join(f'{x:.2f}' for x in d['runs_step_ms'])}), "
                  f"{d['cpu_s'] * 1e3 / args.steps:.2f} CPU ms/step -> ratio to JAX {d['step_ms'] / jx['step_ms']:.3f}, "
                  f"CPU {d['cpu_s'] / jx['cpu_s']:.3f}; final loss {d['final_mse']:.4e}")
elif jx:
    print(f"JAX: {jx['step_ms']:.2f} ms per step, {jx['cpu_s']:.2f} CPU s; losses {jx['mse_at']}")
