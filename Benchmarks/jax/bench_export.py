#!/usr/bin/env python3
"""The same fit in `dmm fit` and in the module `dmm export --jax` writes, side by side.

A CPPN template (`dmm template cppn`, sin neurons over x, y, t) with hidden weights (seed
--true-seed) is rendered as the 8-bit target; both engines fit the same template with other
weights (seed --seed) for --steps Adam steps from the same start, with the same hyper-parameters:

  * dmm fit START.dmm --target frames --steps S --initialisation given --stats
  * python3 START.py fit --target frames --steps S   (JAX_PLATFORMS=cpu: the module on this CPU)
  * the same module on the GPU when JAX has one (jax.devices("gpu")), time per step on it.

Printed: time per step (median after 5 steps; the module's jit compile is excluded and shown
apart) and the loss at the first and last step of each. Files go to Benchmarks/out/jax/.

Usage:
  python3 Benchmarks/jax/bench_export.py --dmm .build/release/dmm                       # 16 sins, 64x64x60, 200 steps
  python3 Benchmarks/jax/bench_export.py --dmm .build/release/dmm --size 256 --frames 120 --steps 100
"""
import argparse, json, os, shutil, subprocess, sys

p = argparse.ArgumentParser()
p.add_argument("--dmm", required=True, help="path to the dmm binary")
p.add_argument("--neurons", type=int, default=16)
p.add_argument("--size", type=int, default=64, help="frame side in pixels")
p.add_argument("--frames", type=int, default=60)
p.add_argument("--steps", type=int, default=200)
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--seed", type=int, default=2, help="template seed of the start")
p.add_argument("--true-seed", type=int, default=1, help="template seed of the hidden weights")
p.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "jax"))
args = p.parse_args()

work = os.path.abspath(args.work)
os.makedirs(work, exist_ok=True)


def sh(cmd, env=None):
    print("$ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return r.stdout


def last_json(text):
    return json.loads([ln for ln in text.splitlines() if ln.startswith("{")][-1])


def template(seed, path):
    sh([args.dmm, "template", "cppn", "--neurons", str(args.neurons), "--size", f"{args.size}x{args.size}",
        "--frames", str(args.frames), "--seed", str(seed), "-o", path])


true_patch, start_patch = os.path.join(work, "true.dmm"), os.path.join(work, "start.dmm")
template(args.true_seed, true_patch)
template(args.seed, start_patch)
frames = os.path.join(work, "frames")
shutil.rmtree(frames, ignore_errors=True)
sh([args.dmm, "render", true_patch, "--frames", str(args.frames), "-o", frames, "-q"])
module = os.path.join(work, "start.py")
sh([args.dmm, "export", start_patch, "--jax", "-o", module])

dm = last_json(sh([args.dmm, "fit", start_patch, "--target", frames, "--steps", str(args.steps), "--lr", repr(args.lr),
                   "--initialisation", "given", "--quiet", "--stats", "-o", os.path.join(work, "fitted.dmm")]))


def module_fit(platform):
    env = dict(os.environ, JAX_PLATFORMS=platform)
    return last_json(sh([sys.executable, module, "fit", "--target", frames, "--steps", str(args.steps), "--lr", repr(args.lr),
                         "-q", "-o", os.path.join(work, f"weights-{platform}.json")], env=env))


cpu = module_fit("cpu")
gpu = None
probe = subprocess.run([sys.executable, "-c", "import jax; print(len(jax.devices('gpu')))"], capture_output=True, text=True)
if probe.returncode == 0 and probe.stdout.strip() not in ("", "0"):
    gpu = module_fit("cuda")

print(f"\nCPPN template, {args.neurons} sin neurons, {args.size}x{args.size}x{args.frames}, {args.steps} Adam steps (lr {args.lr})")
print(f"{'':34}{'ms per step':>12}{'loss step 1':>14}{'loss final':>14}")
print(f"{'dmm fit (this CPU)':34}{dm['ms_per_step']:>12.2f}{dm['losses_at']['1']:>14.6g}{dm['loss']:>14.6g}")
print(f"{'exported module, JAX CPU':34}{cpu['ms_per_step']:>12.2f}{cpu['losses_at']['1']:>14.6g}{cpu['loss']:>14.6g}"
      f"   (jit compile {cpu['compile_s']:.1f} s, {cpu['devices']} device)")
if gpu:
    print(f"{'exported module, JAX GPU':34}{gpu['ms_per_step']:>12.2f}{gpu['losses_at']['1']:>14.6g}{gpu['loss']:>14.6g}"
          f"   (jit compile {gpu['compile_s']:.1f} s, {gpu['devices']} device(s))")
else:
    print("exported module, JAX GPU          no GPU visible to JAX (jax.devices('gpu') failed or is empty)")
