#!/usr/bin/env python3
"""Side-by-side fitting benchmark: `dmm fit` against the JAX reference (shared/bench/fit/fit_jax.py).

One run, same machine, same problem, same starting weights:
  * the JAX script's network (16 sin neurons, 155 weights) and target (hidden weights, seed 1000),
    128x128x120, full batch, Adam lr 1e-2, start = true weights + N(0, 0.3^2) (its `--init perturb:0.3`,
    seed 0);
  * the target is written once as 8-bit PNG frames and BOTH sides fit those frames (JAX reads them
    back as v/255, dmm as v/127.5 - 1), so both minimise the same data;
  * the network is written as a DMM patch (jaxnet-init.dmm) with the same starting weights.

How the JAX network is expressed as a DMM patch (faithfully, not approximately):
  * JAX's x, y are linspace(-1, 1, 128) over pixel indices (y downwards); coord.x/coord.y are
    pixel centres on (-1, 1) with y upwards, so X = (128/127)·coord.x and Y = -(128/127)·coord.y
    are `id` neurons with frozen weights (written `1.0078740!`).
  * JAX's t is linspace(-1, 1, 120) over frames. Our two-stroke semantics add one tick of latency
    per connection, and frame f is tick f, so the time input is pre-shifted: T = k·clock + c
    (frozen), with k and c chosen so that the value the picture of frame f sees equals JAX's t_f
    exactly (T is read 4 ticks before the picture: T -> h1 -> h2 -> o -> rgb).
  * h1 feeds the output layer directly in JAX but through h2 with one more tick in the DMM; eight
    `id` neurons d_i = h1_i (frozen weight 1) delay h1 by one tick so that both paths see the same t.
  * JAX ends in sigmoid with RGB in 0..1; the patch ends in `sigmoid` neurons o_c and
    out.r = 2! o_1 - 1! (frozen), the picture in -1..1. Our loss (MSE in -1..1 units) is therefore
    exactly 4x JAX's, and our gradients 4x JAX's; Adam is invariant to that scale (up to eps), so
    both trajectories are the same in exact arithmetic. Losses below are printed in JAX's units.
  * Every sin gets `a = 1!`: port defaults are weights from `one` that fit would otherwise learn.
  * The 155 trainable weights are exactly JAX's A1, b1, A2, b2, A3, b3; the frozen ones are the
    plumbing above (not trained, not counted).

Usage: python3 bench_fit.py --dmm .build/release/dmm [--steps 300] [--res 128] [--frames 120]
"""
import argparse, json, os, subprocess, sys, time

def ensure_jax():
    try:
        import jax  # noqa: F401
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "jax"])

p = argparse.ArgumentParser()
p.add_argument("--dmm", required=True, help="path to the dmm binary")
p.add_argument("--res", type=int, default=128)
p.add_argument("--frames", type=int, default=120)
p.add_argument("--steps", type=int, default=300)
p.add_argument("--lr", type=float, default=1e-2)
p.add_argument("--sigma", type=float, default=0.3)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "fit"))
p.add_argument("--skip-jax", action="store_true", help="only run dmm (the patch and frames must exist)")
args = p.parse_args()
ensure_jax()
import numpy as np
import jax, jax.numpy as jnp
from PIL import Image

os.makedirs(os.path.join(args.work, "frames"), exist_ok=True)

# ---- The reference network, init and Adam, as in shared/bench/fit/fit_jax.py -------------------
def init(key, NH=8, scale1=3.0):
    k = jax.random.split(key, 6)
    return {
        "A1": scale1 * jax.random.normal(k[0], (NH, 3)),
        "b1": jax.random.uniform(k[1], (NH,), minval=-np.pi, maxval=np.pi),
        "A2": 1.0 * jax.random.normal(k[2], (NH, NH)),
        "b2": jax.random.uniform(k[3], (NH,), minval=-np.pi, maxval=np.pi),
        "A3": 1.0 * jax.random.normal(k[4], (3, 2 * NH)),
        "b3": jnp.zeros((3,)),
    }

def net(P, X):
    h1 = jnp.sin(X @ P["A1"].T + P["b1"])
    h2 = jnp.sin(h1 @ P["A2"].T + P["b2"])
    return jax.nn.sigmoid(jnp.concatenate([h1, h2], -1) @ P["A3"].T + P["b3"])

def grid(res, frames):
    s = jnp.linspace(-1, 1, res)
    t = jnp.linspace(-1, 1, frames)
    T, Y, Xc = jnp.meshgrid(t, s, s, indexing="ij")
    return jnp.stack([Xc.ravel(), Y.ravel(), T.ravel()], -1)

X = grid(args.res, args.frames)
true = init(jax.random.PRNGKey(1000), 8)
ks = jax.random.split(jax.random.PRNGKey(args.seed), len(true))
P0 = {k: v + args.sigma * jax.random.normal(kk, v.shape) for (k, v), kk in zip(sorted(true.items()), ks)}

# ---- Target frames (8-bit PNG), shared by both sides -------------------------------------------
target_f = np.asarray(jax.jit(net)(true, X)).reshape(args.frames, args.res, args.res, 3)
target_b = np.clip(np.round(target_f * 255), 0, 255).astype(np.uint8)
for f in range(args.frames):
    Image.fromarray(target_b[f]).save(os.path.join(args.work, "frames", f"frame_{f + 1:05d}.png"), compress_level=1)
target = jnp.asarray(target_b.reshape(-1, 3).astype(np.float32) / 255.0)

# ---- The patch ----------------------------------------------------------------------------------
def num(x):
    return repr(float(np.float32(x)))

def patch(P, title):
    A1, b1, A2, b2, A3, b3 = (np.asarray(P[k], dtype=np.float32) for k in ["A1", "b1", "A2", "b2", "A3", "b3"])
    F = args.frames
    k = 2.0 * 30.0 / (F - 1)             # T per tick, so T(f - 4) = -1 + 2 f / (F - 1)
    c = -1.0 + 10.0 / (F - 1)            # T(tau) = k * clock(tau - 1) + c, clock(tau) = tau / 30
    s = 128.0 / 127.0 if args.res == 128 else args.res / (args.res - 1.0)
    L = [f"# {title}", "# The JAX benchmark's CPPN (shared/bench/fit/fit_jax.py) as a DMM patch; see bench_fit.py.",
         f"size {args.res}x{args.res}", "fps 30", f"frames {F}", "",
         "cx: coord.x", "cy: coord.y", "clk: clock", "X: id", "Y: id", "T: id"]
    L += [f"h1_{i}: sin" for i in range(8)] + [f"h2_{i}: sin" for i in range(8)]
    L += [f"d_{i}: id" for i in range(8)] + [f"o_{c_}: sigmoid" for c_ in range(3)] + ["out: rgb", ""]
    L += [f"X.x = {num(s)}! cx", f"Y.x = -{num(s)}! cy", f"T.x = {num(k)}! clk - {num(-c)}!"]
    for i in range(8):
        L.append(f"h1_{i}.x = {num(A1[i,0])} X + {num(A1[i,1])} Y + {num(A1[i,2])} T")
        L.append(f"h1_{i}.b = {num(b1[i])}")
        L.append(f"h1_{i}.a = 1!")      # sin's default a = 1 is a weight from one: freeze it (JAX has no a)
    for i in range(8):
        L.append(f"h2_{i}.x = " + " + ".join(f"{num(A2[i,j])} h1_{j}" for j in range(8)))
        L.append(f"h2_{i}.b = {num(b2[i])}")
        L.append(f"h2_{i}.a = 1!")
    for i in range(8):
        L.append(f"d_{i}.x = 1! h1_{i}")
    for c_ in range(3):
        terms = [f"{num(A3[c_,j])} d_{j}" for j in range(8)] + [f"{num(A3[c_,8+j])} h2_{j}" for j in range(8)]
        L.append(f"o_{c_}.x = " + " + ".join(terms) + f" + {num(b3[c_])}")
    L += ["out.r = 2! o_0 - 1!", "out.g = 2! o_1 - 1!", "out.b = 2! o_2 - 1!"]
    return "\n".join(L).replace("+ -", "- ") + "\n"

open(os.path.join(args.work, "jaxnet-init.dmm"), "w").write(patch(P0, "start: true weights + N(0, 0.3^2), seed 0"))
open(os.path.join(args.work, "jaxnet-true.dmm"), "w").write(patch(true, "the hidden target weights (seed 1000)"))

# ---- JAX ----------------------------------------------------------------------------------------
def loss(P, Xb, Yb):
    return jnp.mean((net(P, Xb) - Yb) ** 2)

@jax.jit
def adam_step(P, m, v, i, Xb, Yb):
    l, g = jax.value_and_grad(loss)(P, Xb, Yb)
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = jax.tree_util.tree_map(lambda m_, g_: b1 * m_ + (1 - b1) * g_, m, g)
    v = jax.tree_util.tree_map(lambda v_, g_: b2 * v_ + (1 - b2) * g_ * g_, v, g)
    i = i + 1
    mh = jax.tree_util.tree_map(lambda m_: m_ / (1 - b1 ** i), m)
    vh = jax.tree_util.tree_map(lambda v_: v_ / (1 - b2 ** i), v)
    P = jax.tree_util.tree_map(lambda p_, a, b: p_ - args.lr * a / (jnp.sqrt(b) + eps), P, mh, vh)
    return P, m, v, i, l

marks = [1, 10, 50, 100, 200, 250, 300, 500, 1000, args.steps]
jx = {}
if not args.skip_jax:
    P = P0
    m = jax.tree_util.tree_map(jnp.zeros_like, P); v = jax.tree_util.tree_map(jnp.zeros_like, P)
    i = jnp.array(0.0)
    _ = adam_step(P, m, v, i, X, target)[-1].block_until_ready()        # compile, not counted
    times, hist = [], {}
    c0 = time.process_time(); w0 = time.perf_counter()
    for s in range(1, args.steps + 1):
        t0 = time.perf_counter()
        P, m, v, i, l = adam_step(P, m, v, i, X, target)
        l.block_until_ready()
        times.append(time.perf_counter() - t0)
        if s in marks:
            hist[s] = float(l)
    jx = {"jax": jax.__version__, "step_s_median": float(np.median(times[5:])), "cpu_s": time.process_time() - c0,
          "wall_s": time.perf_counter() - w0, "mse_at": hist, "final_mse": float(loss(P, X, target))}
    print(json.dumps({"jax": jx}), flush=True)

# ---- dmm ----------------------------------------------------------------------------------------
cmd = [args.dmm, "fit", os.path.join(args.work, "jaxnet-init.dmm"), "--target", os.path.join(args.work, "frames"),
       "--steps", str(args.steps), "--lr", str(args.lr), "--initialisation", "given", "--quiet", "--stats",
       "-o", os.path.join(args.work, "jaxnet-fitted.dmm")]
out = subprocess.run(cmd, capture_output=True, text=True)
if out.returncode != 0:
    sys.exit("dmm fit failed:\n" + out.stderr)
d = json.loads(out.stdout.strip().splitlines()[-1])
dm = {"step_ms": d["ms_per_step"], "cpu_s": d["cpu_seconds"], "wall_s": d["seconds"],
      "mse_at": {int(k): v / 4 for k, v in d["losses_at"].items()}, "final_mse": d["loss"] / 4}
print(json.dumps({"dmm": dm}), flush=True)

# ---- Side by side -------------------------------------------------------------------------------
print(f"\n{'':24}{'JAX (CPU)':>16}{'dmm fit':>16}")
if jx:
    print(f"{'time per step':24}{jx['step_s_median'] * 1e3:>13.1f} ms{dm['step_ms']:>13.1f} ms")
    print(f"{'CPU seconds, all steps':24}{jx['cpu_s']:>16.1f}{dm['cpu_s']:>16.1f}")
for s in sorted(set(marks)):
    if s in dm["mse_at"] or (jx and s in jx["mse_at"]):
        a = jx["mse_at"].get(s, float("nan")) if jx else float("nan")
        print(f"{'MSE (0..1 units) @ ' + str(s):24}{a:>16.3e}{dm['mse_at'].get(s, float('nan')):>16.3e}")
if jx:
    print(f"{'final MSE':24}{jx['final_mse']:>16.3e}{dm['final_mse']:>16.3e}")
    print(f"\nratio dmm/JAX time per step: {dm['step_ms'] / (jx['step_s_median'] * 1e3):.3f} (target <= 0.1)")
