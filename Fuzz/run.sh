#!/bin/bash
# Fuzzes DMMSynth's input readers with libFuzzer: the patch parser (and fmt's round trip), the
# V-value parser, the OSC decoder, the live command parser, the edit-log reader and the fit
# checkpoint reader. Each target runs RUNS inputs (default 20000) from its seed corpus in
# Fuzz/corpus/<target>/ (made from patches/ and real files the tools write); new inputs go to a
# scratch copy so the committed corpus stays small. Any crash, trap, timeout (-timeout=5 s per
# input) or out-of-memory (-rss_limit_mb) stops that target with a non-zero status; the input
# that triggered it is left in Fuzz/findings/ to be turned into a regression test.
#   Fuzz/run.sh [RUNS] [target…]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
runs="${1:-20000}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(patch vvalue osc live editlog checkpoint)
cd "$here"
flags=(-c release --sanitize=fuzzer)
if ! swift build "${flags[@]}" --product DMMFuzz >build.log 2>&1; then
    grep -E "error" build.log | head -20 >&2; echo "fuzz: build failed (Fuzz/build.log)" >&2; exit 1
fi
rm -f build.log
bin="$(swift build "${flags[@]}" --show-bin-path)/DMMFuzz"
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0
mkdir -p findings
status=0
for t in "${targets[@]}"; do
    work="$(mktemp -d)"
    cp -r "corpus/$t/." "$work/"
    log="$(mktemp)"
    start=$(date +%s.%N)
    if DMM_FUZZ_TARGET="$t" "$bin" -runs="$runs" -timeout=5 -rss_limit_mb=4096 -max_len=65536 \
            -artifact_prefix="findings/$t-" -print_final_stats=1 "$work" >"$log" 2>&1; then
        execs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        secs=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
        printf 'fuzz %-10s %8s executions, 0 crashes (%.1f s, corpus %d)\n' "$t" "$execs" "$secs" "$(ls "$work" | wc -l)"
    else
        status=1
        echo "fuzz $t: FOUND A PROBLEM (input saved in Fuzz/findings/)"
        grep -E "ERROR|Fatal error|Crash|deadly|timeout|out-of-memory" "$log" | head -5
    fi
    rm -rf "$work" "$log"
done
exit $status
