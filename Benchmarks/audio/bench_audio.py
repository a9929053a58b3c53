#!/usr/bin/env python3
"""Times `dmm synth` against scsynth, Csound and Faust on the shared audio workloads.

Workload A: 64 sines at 100 + 50·i Hz, summed × 1/64, 48 kHz, 60 s (RMS 0.0884).
Workload B: 32 two-operator FM voices with one-sample modulator self-feedback (RMS ≈ 0.133).
Every program renders the full 60 s to a WAV; CPU seconds (user + sys of the child, from
wait4) are the median of --reps runs, taken round-robin so that load on this shared machine
hits every program alike. Ratios are against scsynth in the same run; RMS is computed from
each output file. Also: the same DMM patch at block 1 vs block 64.
"""
import argparse, array, json, os, shlex, statistics, subprocess, sys, time, wave

p = argparse.ArgumentParser()
p.add_argument("--dmm", required=True)
p.add_argument("--patches", required=True)
p.add_argument("--peers", required=True)
p.add_argument("--out", required=True)
p.add_argument("--reps", type=int, default=5)
a = p.parse_args()
out = os.path.join(a.out, "wav"); os.makedirs(out, exist_ok=True)
P, D = a.peers, a.dmm

def dmm(patch, name, extra=""):
    return f"{D} synth {a.patches}/{patch}.dmm -o {out}/{name}.wav --format wav16 -q {extra}"

# (workload, tool, variant, command, output file)
CASES = [
    ("A", "DMMSynth", "osc.sine, block 64", dmm("sines", "dmm_sines_b64"), "dmm_sines_b64"),
    ("A", "DMMSynth", "osc.sine, block 1", dmm("sines", "dmm_sines_b1", "--block 1"), "dmm_sines_b1"),
    ("A", "scsynth", "SinOsc", f"scsynth -V -1 -o 1 -N {P}/sc/bench_sinosc.osc _ {out}/sc_sines.wav 48000 WAV int16", "sc_sines"),
    ("A", "Csound", "oscili", f"csound -W -s -o {out}/cs_sines.wav {P}/csound/sines_oscili.csd", "cs_sines"),
    ("A", "Faust", "os.osc -vec", f"{P}/faust/sines_osc_vec -sr 48000 -s 2880000 -bs 64 -bd 16 {out}/faust_sines.wav", "faust_sines"),
    ("B", "DMMSynth", "fm.op, block 1", dmm("fbfm", "dmm_fbfm_b1"), "dmm_fbfm_b1"),
    ("B", "DMMSynth", "fm.op, block 64", dmm("fbfm", "dmm_fbfm_b64", "--block 64"), "dmm_fbfm_b64"),
    ("B", "scsynth", "SinOscFB", f"scsynth -V -1 -o 1 -N {P}/sc/bench_fbfm.osc _ {out}/sc_fbfm.wav 48000 WAV int16", "sc_fbfm"),
    ("B", "Csound", "UDO setksmps 1", f"csound -W -s -o {out}/cs_fbfm.wav {P}/csound/fbfm.csd", "cs_fbfm"),
    ("B", "Faust", "~ feedback -vec", f"{P}/faust/fbfm_vec -sr 48000 -s 2880000 -bs 64 -bd 16 {out}/faust_fbfm.wav", "faust_fbfm"),
]

def run(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(shlex.split(cmd), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"FAILED ({status}): {cmd}")
    return ru.ru_utime + ru.ru_stime, time.perf_counter() - t0

def rms(path):
    with wave.open(path, "rb") as w:
        ch, width, frames = w.getnchannels(), w.getsampwidth(), w.getnframes()
        data = w.readframes(frames)
    if width != 2:
        return float("nan")
    try:
        import numpy as np
        x = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768
        return float(np.sqrt(np.mean(x * x)))
    except ImportError:
        x = array.array("h"); x.frombytes(data)
        return (sum(v * v for v in x) / len(x)) ** 0.5 / 32768

available = [c for c in CASES if os.path.exists(shlex.split(c[3])[0]) or subprocess.call(
    ["sh", "-c", f"command -v {shlex.split(c[3])[0]}"], stdout=subprocess.DEVNULL) == 0]
for c in available:
    run(c[3])                                      # warm-up: page cache, plugin scans
cpu = {c[4]: [] for c in available}; wall = {c[4]: [] for c in available}
for r in range(a.reps):
    for c in available:
        u, w = run(c[3]); cpu[c[4]].append(u); wall[c[4]].append(w)
    print(f"round {r + 1}/{a.reps} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)

rows = []
for wl, tool, var, cmd, name in available:
    rows.append(dict(workload=wl, tool=tool, variant=var, cmd=cmd, cpu_s=statistics.median(cpu[name]),
                     cpu_all=cpu[name], wall_s=statistics.median(wall[name]), rms=rms(f"{out}/{name}.wav")))
ref = {r["workload"]: r["cpu_s"] for r in rows if r["tool"] == "scsynth"}
print(f"\n{'':2} {'program':10} {'variant':20} {'CPU s':>7} {'× scsynth':>9} {'RMS':>8}")
for r in rows:
    ratio = r["cpu_s"] / ref[r["workload"]] if r["workload"] in ref else float("nan")
    r["ratio_vs_scsynth"] = ratio
    print(f"{r['workload']:2} {r['tool']:10} {r['variant']:20} {r['cpu_s']:7.3f} {ratio:9.2f} {r['rms']:8.4f}")
by = {(r["workload"], r["variant"]): r for r in rows}
def ratio(wl, small, big):
    s, b = by.get((wl, small)), by.get((wl, big))
    return s["cpu_s"] / b["cpu_s"] if s and b else float("nan")
blocks = {"A": ratio("A", "osc.sine, block 1", "osc.sine, block 64"), "B": ratio("B", "fm.op, block 1", "fm.op, block 64")}
print(f"\nblock 1 ÷ block 64 CPU: A {blocks['A']:.2f}×, B {blocks['B']:.2f}×  (peers: 3.5–6×)")
goals = []
for wl, variant in (("A", "osc.sine, block 64"), ("B", "fm.op, block 1")):
    r = by.get((wl, variant))
    if r and wl in ref:
        goals.append(f"{wl}: {r['ratio_vs_scsynth']:.2f}× scsynth (goal ≤ 0.25) {'ok' if r['ratio_vs_scsynth'] <= 0.25 else 'MISSED'}")
goals.append(f"block 1 ≤ 3× block 64: {'ok' if max(blocks.values()) <= 3 else 'MISSED'}")
print("; ".join(goals))
print(f"expected RMS: A 0.0884, B ≈ 0.133 (B at block 64 hears each modulator 64 samples late: ≈ 0.123)")
json.dump(dict(rows=rows, block1_over_block64=blocks, load=os.getloadavg()), open(os.path.join(a.out, "results.json"), "w"), indent=1)
print(f"results: {os.path.join(a.out, 'results.json')}")
