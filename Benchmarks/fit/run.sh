#!/usr/bin/env bash
# Both fitting benchmarks, with dmm built two ways and timed in the same run as JAX:
#   tuned  = -Xcc -march=x86-64-v3 (the README's build: AVX2 + FMA, any x86-64 CPU since 2013)
#   native = -Xcc -march=native    (the host CPU's full instruction set, as XLA compiles JAX's
#                                   step for the host: AVX-512 on the machines this was measured on)
# Usage: bash Benchmarks/fit/run.sh [STEPS]      (default 300; 128x128x120 targets)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps="${1:-300}"
swift build -c release -Xcc -march=x86-64-v3
swift build -c release -Xcc -march=native --scratch-path .build-native
echo "== fit 2: an ordinary patch (trainable a, clock into layer 1), JAX as a DMM interpreter =="
python3 Benchmarks/fit/bench_fit_ordinary.py --dmm .build/release/dmm --also native=.build-native/release/dmm --steps "$steps"
echo "== fit 1: JAX's CPPN written as a DMM patch (native build) =="
python3 Benchmarks/fit/bench_fit.py --dmm .build-native/release/dmm --steps "$steps"
