#!/usr/bin/env bash
# Plain vs tuned release build: how much does `-Xcc -march=x86-64-v3` (AVX2 + FMA) buy?
#
# Builds `dmm` twice, each in its own scratch path, both under `flock /tmp/swiftbuild.lock` so the
# builds never overlap with anyone else's on this 2-core machine:
#   plain: swift build -c release                          --scratch-path .build-plain
#   tuned: swift build -c release -Xcc -march=x86-64-v3    --scratch-path .build-tuned
# then runs the same two workloads with each binary (median of REPS runs) and prints plain/tuned:
#   (a) field rendering: Benchmarks/visual/bench.dmm (512x512x120, six sines per pixel) with
#       `dmm render --compute-only --stats`: Mpix per CPU second of the in-process compute
#       (compute_cpu_s), as Benchmarks/visual/run.py measures it;
#   (b) fitting: `dmm template cppn --neurons 16` (64x64, 30 frames) fitted for STEPS Adam steps to
#       the frames of another template (seed 2) rendered once: ms per step (wall) and CPU ms per
#       step from `dmm fit --stats` (ms_per_step, cpu_seconds / steps).
# and how many calls to the libm fmaf/fma each binary makes (objdump): a SIMD `addingProduct`
# without the FMA target feature becomes one call per lane.
# Target: plain within 2x of tuned (plain/tuned time <= 2).
#
# Usage: Benchmarks/build/plain_vs_tuned.sh [REPS] [STEPS]     (default 3 and 30)
#        SKIP_BUILD=1 reuses existing .build-plain/.build-tuned binaries; PLAIN_DMM=… TUNED_DMM=… name
#        other binaries (with SKIP_BUILD=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${1:-3}
steps=${2:-30}
lock=/tmp/swiftbuild.lock
work=${DMM_BENCH_DIR:-$root/Benchmarks/out/build}
mkdir -p "$work"

cd "$root"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building plain (waiting for $lock)" >&2
  flock "$lock" swift build -c release --scratch-path .build-plain --product dmm >&2
  echo "== building tuned (waiting for $lock)" >&2
  flock "$lock" swift build -c release -Xcc -march=x86-64-v3 --scratch-path .build-tuned --product dmm >&2
fi
plain=${PLAIN_DMM:-$root/.build-plain/release/dmm}
tuned=${TUNED_DMM:-$root/.build-tuned/release/dmm}
for b in "$plain" "$tuned"; do [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }; done

# Fit problem: a 16-sin template (seed 1) against the frames of another one (seed 2), 64x64x30.
"$tuned" template cppn --neurons 16 --size 64x64 --frames 30 --seed 1 -o "$work/cppn16.dmm"
"$tuned" template cppn --neurons 16 --size 64x64 --frames 30 --seed 2 -o "$work/cppn16-target.dmm"
rm -rf "$work/target"
"$tuned" render "$work/cppn16-target.dmm" --frames 30 -o "$work/target" -q

visual="$root/Benchmarks/visual/bench.dmm"
# Pixels of the visual workload, from the patch as dmm reads it ("picture 512x512 at 30 fps, 120 frames").
mpix=$("$tuned" inspect "$visual" | python3 -c '
import re, sys
m = re.search(r"picture (\d+)x(\d+) at .* (\d+) frames", sys.stdin.read())
print(int(m.group(1)) * int(m.group(2)) * int(m.group(3)) / 1e6)')

# One line of JSON per run on stdout; the median over runs of one field.
median() { python3 -c '
import json, statistics, sys
key = sys.argv[1]
print(statistics.median(json.loads(l)[key] for l in sys.stdin if l.strip()))' "$1"; }

render_cpu() {   # $1 = binary: median compute_cpu_s (one extra untimed run first, to warm caches)
  "$1" render "$visual" --compute-only --stats -q > /dev/null
  for _ in $(seq "$reps"); do "$1" render "$visual" --compute-only --stats -q | tail -n 1; done | median compute_cpu_s
}
fit_ms() {       # $1 = binary: "median ms_per_step, median CPU ms per step"
  for i in $(seq "$reps"); do
    "$1" fit "$work/cppn16.dmm" --target "$work/target" --steps "$steps" --initialisation given \
      --quiet --stats -o "$work/cppn16-fitted-$i.dmm" | tail -n 1
  done | python3 -c '
import json, statistics, sys
d = [json.loads(l) for l in sys.stdin if l.strip()]
print(statistics.median(x["ms_per_step"] for x in d), statistics.median(1e3 * x["cpu_seconds"] / x["steps"] for x in d))'
}
fma_calls() { objdump -d "$1" | grep -c 'call.*<fmaf\?[@>]' || true; }

echo "== measuring ($reps runs each)" >&2
p_cpu=$(render_cpu "$plain"); t_cpu=$(render_cpu "$tuned")
read -r p_fit p_fitcpu < <(fit_ms "$plain"); read -r t_fit t_fitcpu < <(fit_ms "$tuned")
p_fma=$(fma_calls "$plain");  t_fma=$(fma_calls "$tuned")
p_fmaf=$(objdump -d "$plain" | grep -c 'call.*<fmaf' || true)
t_fmaf=$(objdump -d "$tuned" | grep -c 'call.*<fmaf' || true)

python3 - "$mpix" "$p_cpu" "$t_cpu" "$p_fit" "$t_fit" "$p_fmaf" "$t_fmaf" "$p_fma" "$t_fma" "$steps" "$p_fitcpu" "$t_fitcpu" <<'EOF'
import sys
mpix, pc, tc, pf, tf = map(float, sys.argv[1:6])
pfmaf, tfmaf, pfma, tfma, steps = map(int, sys.argv[6:11])
pfc, tfc = map(float, sys.argv[11:13])
print(f"{'':46}{'plain':>12}{'tuned':>12}{'plain/tuned':>13}")
print(f"{'(a) field render, Mpix per CPU second':46}{mpix / pc:>12.1f}{mpix / tc:>12.1f}{'':>13}")
print(f"{'    compute CPU seconds (%.1f Mpix)' % mpix:46}{pc:>12.3f}{tc:>12.3f}{pc / tc:>12.2f}x")
print(f"{'(b) fit, 16-sin CPPN 64x64x30, ms per step':46}{pf:>12.2f}{tf:>12.2f}{pf / tf:>12.2f}x")
print(f"{'    CPU ms per step':46}{pfc:>12.2f}{tfc:>12.2f}{pfc / tfc:>12.2f}x")
print(f"{'calls to fmaf (call.*<fmaf)':46}{pfmaf:>12}{tfmaf:>12}")
print(f"{'calls to fmaf or fma':46}{pfma:>12}{tfma:>12}")
ok = pc / tc <= 2 and pf / tf <= 2
print(f"\nplain/tuned time: render {pc / tc:.2f}x (CPU), fit {pf / tf:.2f}x (wall; CPU {pfc / tfc:.2f}x) (target <= 2: {'met' if ok else 'NOT met'})")
EOF
