#!/usr/bin/env python3
"""Memory and denormal benchmark (issue 9): peak RSS must not grow with the length of a render.

Prints, side by side in one run:
  * peak RSS of `dmm synth` for 1 and 10 minutes of sound (with --spectrogram, which used to
    keep the whole signal), and of Csound rendering the same lengths of a sine to WAV;
  * peak RSS of `dmm render` for 1,200 and 12,000 frames, and of ffmpeg writing the same
    numbers of PNG frames from its test source;
  * CPU time of a filter/delay tail decaying into silence (tail.dmm) against the same chain
    fed a steady tone (steady.dmm), for dmm: subnormal numbers must cost nothing.

Usage: python3 Benchmarks/memory/run.py --dmm .build/release/dmm [--reps 3]
"""
import argparse, os, resource, shutil, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd):
    """Runs cmd; returns (peak RSS in MB, user+sys CPU seconds) of that child alone."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + cmd, cwd=cwd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    kb, user, system = r.stderr.strip().splitlines()[-1].split()
    return int(kb) / 1024, float(user) + float(system)


SINE_DMM = """rate 48000
block 64
seconds 60
o: osc.sine
p: osc.saw
f: filter.lowpass
out: audio.out
o.freq = 220
p.freq = 110
f.in = 0.3 p
f.cutoff = 900
out.left = 0.4 o + 0.4 f
out.right = 0.4 o - 0.4 f
"""

VISUAL_DMM = """size 64x64
fps 30
frames 1200
t: clock
x: coord.x
y: coord.y
s: sin
out: rgb
s.x = 4 x + 2 y
s.b = t
out.r = s
out.g = 0.5 s
out.b = -s
"""

CSD = """<CsoundSynthesizer>
<CsOptions>
-o {out} -W -f --nodisplays -m0 -d
</CsOptions>
<CsInstruments>
sr = 48000
ksmps = 64
nchnls = 2
0dbfs = 1
instr 1
  a1 oscili 0.4, 220
  a2 vco2 0.3, 110
  a3 butlp a2, 900
  outs a1 + 0.4 * a3, a1 - 0.4 * a3
endin
</CsInstruments>
<CsScore>
i 1 0 {seconds}
</CsScore>
</CsoundSynthesizer>
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dmm", required=True)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    dmm = os.path.abspath(a.dmm)
    work = tempfile.mkdtemp(prefix="dmm-bench-mem-")
    open(os.path.join(work, "sine.dmm"), "w").write(SINE_DMM)
    open(os.path.join(work, "vis.dmm"), "w").write(VISUAL_DMM)
    have_csound = shutil.which("csound") is not None
    have_ffmpeg = shutil.which("ffmpeg") is not None

    print("peak RSS (MB)                      short      long   long/short")
    for minutes in [(1, 10)]:
        s, l = [run([dmm, "synth", "sine.dmm", "-q", "-o", f"s{m}.wav", "--seconds", str(60 * m),
                     "--spectrogram", f"s{m}.png"], work)[0] for m in minutes]
        print(f"dmm synth 1 min / 10 min        {s:9.1f} {l:9.1f}   {l / s:6.2f}")
        if have_csound:
            for m in minutes:
                open(os.path.join(work, f"c{m}.csd"), "w").write(CSD.format(out=f"c{m}.wav", seconds=60 * m))
            cs, cl = [run(["csound", f"c{m}.csd"], work)[0] for m in minutes]
            print(f"csound     1 min / 10 min        {cs:9.1f} {cl:9.1f}   {cl / cs:6.2f}")
            print(f"dmm / csound at 10 min           {l / cl:9.2f}")
    fs, fl = [run([dmm, "render", "vis.dmm", "-q", "-o", f"f{n}", "--frames", str(n)], work)[0] for n in (1200, 12000)]
    print(f"dmm render 1,200 / 12,000 frames {fs:9.1f} {fl:9.1f}   {fl / fs:6.2f}")
    if have_ffmpeg:
        peer = []
        for n in (1200, 12000):
            os.makedirs(os.path.join(work, f"g{n}"), exist_ok=True)
            peer.append(run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=30",
                             "-frames:v", str(n), f"g{n}/frame_%05d.png"], work)[0])
        print(f"ffmpeg     1,200 / 12,000 frames {peer[0]:9.1f} {peer[1]:9.1f}   {peer[1] / peer[0]:6.2f}")
        print(f"dmm / ffmpeg at 12,000 frames    {fl / peer[1]:9.2f}")

    print("\nCPU seconds for 10 min of sound (best of %d)   tail    steady   tail/steady" % a.reps)
    best = {}
    for name in ("tail", "steady"):
        best[name] = min(run([dmm, "synth", os.path.join(here, name + ".dmm"), "-q", "-o", name + ".wav",
                              "--seconds", "600"], work)[1] for _ in range(a.reps))
    print(f"dmm synth (filter + delay chain)            {best['tail']:7.2f} {best['steady']:8.2f}   {best['tail'] / best['steady']:6.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
