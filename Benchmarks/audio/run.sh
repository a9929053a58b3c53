#!/usr/bin/env bash
# Audio benchmark: `dmm synth` on workloads A (64 sines) and B (32 feedback-FM voices), side by
# side with scsynth, Csound and Faust in the same run, CPU seconds and ratios, plus block 1 vs
# block 64. Usage: Benchmarks/audio/run.sh [REPS]   (default 5; needs root for apt the first time)
#
# The peers come from shared/bench/audio (read-only): it is copied to a scratch folder and its
# prepare.sh installs scsynth, Csound and Faust through apt and writes their scores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=${1:-5}
scratch=${DMM_BENCH_DIR:-${TMPDIR:-/tmp}/dmm-bench-audio}
peers_src=${PEERS_SRC:-$root/../shared/bench/audio}

# Our binary: release, AVX2/FMA (x86-64-v3), its own scratch path so other builds do not collide.
(cd "$root" && swift build -c release -Xcc -march=x86-64-v3 --scratch-path .build-bench --product dmm >&2)
dmm="$root/.build-bench/release/dmm"

# The peers, once.
if [ ! -f "$scratch/peers/.ready" ]; then
  rm -rf "$scratch/peers"; mkdir -p "$scratch"
  cp -r "$peers_src" "$scratch/peers"; chmod -R u+w "$scratch/peers"
  (cd "$scratch/peers" && ./prepare.sh >&2) && touch "$scratch/peers/.ready"
fi
exec python3 "$here/bench_audio.py" --dmm "$dmm" --patches "$here" --peers "$scratch/peers" --out "$scratch" --reps "$reps"
