#!/usr/bin/env bash
# DMM synthesis, the 2022 experiment (shared/docs/dmm.md §6) replicated in one unattended run:
#   1. `dmm template dmm-synthesis`: the student (text, one, end symbol; 5 layers × 2 copies of
#      accum/maxnorm/dot/compare, every earlier output to every later input, 1486 weights,
#      0.01·N(0,1));
#   2. `dmm fit STUDENT --teacher patches/duplicates-teacher.dmm --prune`: train on
#      "test string." (140 ticks, one character every 10), then sparsify automatically
#      (λ ramp ×2 per round from 0.001 up to 0.2 with cuts below 0.01, then one-at-a-time
#      pruning within --target-loss);
#   3. print the synthesised patch and its losses (the 2022 loss: Σ over ticks of the squared
#      error of dup and end) on the training string, "tets string." and a long string;
#   4. the generalisation run: the same, trained on a curriculum of strings (--input repeated)
#      so that the network also works on strings of 30+ characters.
# Usage: Benchmarks/synthesis/run.sh [SEED]   (DMM=path/to/dmm, STEPS=…, LR=…, OUT=folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dmm=${DMM:-$root/.build/release/dmm}
seed=${1:-1}
steps=${STEPS:-3000}
lr=${LR:-0.003}
out=${OUT:-$root/Benchmarks/out/synthesis}
teacher=$root/patches/duplicates-teacher.dmm
long="the cat sat on the mat, a dog ran after it."
mkdir -p "$out"
cd "$out"

# Loss of PATCH against the teacher on TEXT (no training: 0 steps).
loss_on() {
  "$dmm" fit "$1" --teacher "$teacher" --outputs dup,end --input "$2" --steps 0 --stats -q -o "$out/eval.dmm" \
    | sed -n 's/.*"loss": \([^,]*\),.*/\1/p'
}

report() {
  local patch=$1
  echo "--- $patch"
  cat "$patch"
  echo "weights: $(grep -c '' <("$dmm" inspect "$patch" | sed -n '/^matrix/,$p' | grep '←' || true))"
  printf 'loss on %-48s %s\n' "\"test string.\"" "$(loss_on "$patch" "test string.")"
  printf 'loss on %-48s %s\n' "\"tets string.\"" "$(loss_on "$patch" "tets string.")"
  printf 'loss on %-48s %s\n' "\"$long\"" "$(loss_on "$patch" "$long")"
}

"$dmm" template dmm-synthesis --seed "$seed" -o student.dmm
echo "== 1. trained on \"test string.\" (140 ticks), $steps steps at lr $lr, then sparsified"
"$dmm" fit student.dmm --teacher "$teacher" --outputs dup,end --input "test string." --ticks 140 \
  --steps "$steps" --lr "$lr" --l1 0.001 --prune --target-loss 0.002 --stats -q -o synthesised.dmm | tee fit.json
report synthesised.dmm

echo "== 2. curriculum (generalisation): several strings, then sparsified"
"$dmm" fit student.dmm --teacher "$teacher" --outputs dup,end \
  --input "test string." --input "tets string." --input "abcabc." --input "hello world, it is a fine day." \
  --input "no repeats here." --input "xyzzy plugh." \
  --steps "$steps" --lr "$lr" --l1 0.001 --prune --target-loss 0.02 --stats -q -o curriculum.dmm | tee fit-curriculum.json
report curriculum.dmm
