#!/usr/bin/env bash
# DMM synthesis, the 2022 experiment (shared/docs/dmm.md §6) replicated in one unattended run:
#   1. `dmm template dmm-synthesis`: the student (text, one, end symbol; 5 layers × 2 copies of
#      accum/maxnorm/dot/compare, every earlier output to every later input, 1486 weights,
#      0.01·N(0,1));
#   2. `dmm fit STUDENT --teacher patches/duplicates-teacher.dmm --prune`: train on
#      "test string." (140 ticks, one character every 10), then sparsify automatically
#      (λ ramp ×2 per round from 0.001 up to 0.2 with cuts below 0.01, then one-at-a-time
#      pruning within --target-loss);
#   3. print the synthesised patch and, on the training string, "tets string." and two strings of
#      43 and 49 characters: its loss (the 2022 loss: Σ over ticks of the squared error of dup
#      and end), the loss per tick, and the largest deviation from the teacher at any tick;
#   4. the generalisation run: the same, trained on a curriculum of four strings of 7–16
#      characters (--input repeated). "tets string." and the long strings are never trained on.
#      Criterion: the network detects duplicates on a string when dup and end are within 0.1
#      of the teacher's at every tick.
# Each seed runs the whole pipeline; the best seed (fewest weights within the target, else the
# lowest loss) is reported. Every choice is the script's defaults: nothing is tuned per run.
# Usage: Benchmarks/synthesis/run.sh   (DMM=path/to/dmm, SEEDS="1 2 3", STEPS=…, LR=…, OUT=folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dmm=${DMM:-$root/.build/release/dmm}
seeds=${SEEDS:-1 2 3}
steps=${STEPS:-3000}
lr=${LR:-0.003}
out=${OUT:-$root/Benchmarks/out/synthesis}
teacher=$root/patches/duplicates-teacher.dmm
long="the cat sat on the mat, a dog ran after it."
long2="pack my box with five dozen liquor jugs, quickly."
mkdir -p "$out"
cd "$out"

# Loss of PATCH against the teacher on TEXT (no training: 0 steps), and its weight count.
eval_on() {
  "$dmm" fit "$1" --teacher "$teacher" --outputs dup,end --input "$2" --steps 0 --stats -q -o "$out/eval.dmm"
}
field() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p"; }

# The largest deviation of PATCH's dup and end from the teacher's over every tick of TEXT
# (10 ticks per character and two more periods: the criterion "detects duplicates on TEXT"
# is a deviation ≤ 0.1 at every tick, i.e. the right count at every tick to ±0.1).
deviation() {
  local ticks=$(( 10 * (${#2} + 2) ))
  "$dmm" trace "$1" --input "$2" --ticks "$ticks" --outputs dup,end --json > "$out/student.trace"
  "$dmm" trace "$teacher" --input "$2" --ticks "$ticks" --outputs dup,end --json > "$out/teacher.trace"
  python3 -c 'import json,sys
a=[json.loads(l) for l in open(sys.argv[1])]; b=[json.loads(l) for l in open(sys.argv[2])]
print(max(abs(x[k]-y[k]) for x,y in zip(a,b) for k in ("dup","end")))' "$out/student.trace" "$out/teacher.trace"
}

report() {
  local patch=$1
  echo "--- $patch (trainable weights: $(eval_on "$patch" "test string." | field weights))"
  grep -v '^#' "$patch" | sed '/^$/d'
  for s in "test string." "tets string." "$long" "$long2"; do
    printf 'on %-48s loss %-12s loss/tick %-12s max deviation %s\n' "\"$s\"" "$(eval_on "$patch" "$s" | field loss)" \
      "$(python3 -c "print('%.3g' % ($(eval_on "$patch" "$s" | field loss) / (10 * (${#s} + 2))))")" "$(deviation "$patch" "$s")"
  done
}

# The best of several seeds (fewest weights within the target, else the lowest loss): the whole
# pipeline is restarted, as the 2022 experiment was, but without anyone choosing.
best_of() {
  local name=$1; shift
  local best="" bestw=999999 bestl=1e9
  for s in $seeds; do
    "$dmm" template dmm-synthesis --seed "$s" -o "student-$s.dmm"
    "$dmm" fit "student-$s.dmm" --teacher "$teacher" --outputs dup,end "$@" --steps "$steps" --lr "$lr" \
      --l1 0.001 --prune --stats -q -o "$name-$s.dmm" > "$name-$s.json"
    local w l
    w=$(field weights < "$name-$s.json"); l=$(field loss < "$name-$s.json")
    echo "seed $s: $(cat "$name-$s.json")"
    # Within the target: fewer weights, then lower loss; otherwise the lower loss.
    if python3 -c "import sys; w,l,bw,bl,t=map(float,sys.argv[1:]); key=lambda w,l: (1,-w,-l) if l<=t else (0,-l,-w); sys.exit(0 if key(w,l)>key(bw,bl) else 1)" "$w" "$l" "$bestw" "$bestl" "$target"; then
      best=$s; bestw=$w; bestl=$l
    fi
  done
  cp "$name-$best.dmm" "$name.dmm"
  echo "best: seed $best ($bestw weights, loss $bestl)"
}

echo "== 1. trained on \"test string.\" (140 ticks), $steps steps at lr $lr, then sparsified (seeds: $seeds)"
target=0.002
best_of synthesised --input "test string." --ticks 140 --target-loss $target
report synthesised.dmm

echo "== 2. curriculum (generalisation): several strings, then sparsified"
target=0.02
best_of curriculum --input "test string." --input "abcabc." --input "no repeats here." --input "xyzzy plugh." \
  --target-loss $target
report curriculum.dmm
