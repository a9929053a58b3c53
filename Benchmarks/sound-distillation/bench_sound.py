"""Audio distillation, dmm against JAX in the same run.

The workload: the shipped showcase, `dmm fit patches/additive-student.dmm --teacher
patches/sound-teacher.dmm` (16 sine partials of 110 Hz, a gain and a phase offset each, 32
weights, fitted to 0.5 s of a filtered saw at 16 kHz: 8,000 samples). The peer: the same model
written directly in JAX, the way a DDSP user would: y[j] = Σ_k g_k·sin(2π·110k·j/rate + pm_k),
loss = mean((y − teacher)²), `jax.jit(jax.value_and_grad)` and Adam (β 0.9/0.999, ε 1e-8), the
same initial values (gains 0.02, phases 0.01) and learning rate, on the teacher samples that
`dmm synth` writes (float WAV). Both run the same number of steps; the script prints ms per step,
the ratio, and both final losses (the same model and optimiser: they should agree closely, a
check that dmm's gradient through the engine is the true one).

dmm's time is its `--stats` "seconds": the steps only (each one compiles the patch, runs the
renderer's own forward with a recording, and the reverse sweep). JAX's excludes compilation
(one warm-up call). Usage: python3 bench_sound.py --dmm .build/release/dmm [--steps N]
"""
import argparse, json, os, subprocess, sys, tempfile, time, wave, struct

ap = argparse.ArgumentParser()
ap.add_argument("--dmm", required=True)
ap.add_argument("--steps", type=int, default=1000)
ap.add_argument("--lr", type=float, default=0.01)
a = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
student = os.path.join(root, "patches/additive-student.dmm")
teacher = os.path.join(root, "patches/sound-teacher.dmm")
tmp = tempfile.mkdtemp(prefix="bench-sound-")
rate, block, partials = 16000, 32, 16
ticks = 250                                   # dmm fit's default: half a second
samples = ticks * block

subprocess.run([a.dmm, "synth", teacher, "-o", f"{tmp}/teacher.wav", "--seconds", str(samples / rate),
                "--format", "float", "-q"], check=True)
# Float WAV (libsndfile writes WAVE_FORMAT_IEEE_FLOAT, which `wave` refuses): read the data chunk.
raw = open(f"{tmp}/teacher.wav", "rb").read()
pos = 12
while pos < len(raw):
    cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
    if cid == b"data":
        target = list(struct.unpack(f"<{size // 4}f", raw[pos + 8:pos + 8 + size]))
        break
    pos += 8 + size + (size & 1)
assert len(target) == samples, (len(target), samples)

r = subprocess.run([a.dmm, "fit", student, "--teacher", teacher, "--steps", str(a.steps), "--lr", str(a.lr),
                    "--stats", "-q", "-o", f"{tmp}/fitted.dmm"], check=True, capture_output=True, text=True)
stats = json.loads(r.stdout.strip().splitlines()[-1])
dmm_ms = stats["seconds"] * 1000 / a.steps

import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", False)
t = jnp.arange(samples, dtype=jnp.float32) / rate
freqs = 110.0 * jnp.arange(1, partials + 1, dtype=jnp.float32)
phase = 2 * jnp.pi * freqs[:, None] * t[None, :]          # partials × samples
tgt = jnp.asarray(target, dtype=jnp.float32)

def loss(p):
    g, pm = p[:partials], p[partials:]
    y = jnp.sum(g[:, None] * jnp.sin(phase + pm[:, None]), axis=0)
    return jnp.mean((y - tgt) ** 2)

@jax.jit
def step(p, m, v, k):
    l, gr = jax.value_and_grad(loss)(p)
    m = 0.9 * m + 0.1 * gr
    v = 0.999 * v + 0.001 * gr * gr
    mh = m / (1 - 0.9 ** k)
    vh = v / (1 - 0.999 ** k)
    return p - a.lr * mh / (jnp.sqrt(vh) + 1e-8), m, v, l

p = jnp.concatenate([jnp.full(partials, 0.02, jnp.float32), jnp.full(partials, 0.01, jnp.float32)])
m = jnp.zeros_like(p); v = jnp.zeros_like(p)
jax.block_until_ready(step(p, m, v, 1.0))              # compile
t0 = time.perf_counter()
for k in range(1, a.steps + 1):
    p, m, v, l = step(p, m, v, float(k))
jax.block_until_ready(p)
jax_ms = (time.perf_counter() - t0) * 1000 / a.steps
final = float(loss(p))

print(f"audio distillation, 16 partials x {samples} samples, {a.steps} Adam steps at lr {a.lr}")
print(f"  dmm fit --teacher   {dmm_ms:8.3f} ms/step   final loss {stats['loss']:.4e}")
print(f"  JAX {jax.__version__} (jit)   {jax_ms:8.3f} ms/step   final loss {final:.4e}")
print(f"  ratio JAX/dmm: {jax_ms / dmm_ms:.2f} (above 1: dmm is faster)")
