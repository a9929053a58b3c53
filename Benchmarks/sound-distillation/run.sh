#!/usr/bin/env bash
# Audio distillation against JAX in the same run (see bench_sound.py for the workload).
# Usage: bash Benchmarks/sound-distillation/run.sh [STEPS]     (default 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release -Xcc -march=x86-64-v3
python3 Benchmarks/sound-distillation/bench_sound.py --dmm .build/release/dmm --steps "${1:-1000}"
