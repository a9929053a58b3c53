#!/usr/bin/env python3
"""Mutation check (issue 14): five deliberate one-line bugs, each must fail at least one test.

For each mutation the file is changed, the tests are built (release, tuned) and the whole suite
runs; the failing tests are listed, then the file is restored (git checkout). Run from the repo
root: python3 Benchmarks/mutation/run.py  (about 4 minutes a mutation on 2 cores).
"""
import fcntl, os, re, subprocess, sys

MUTATIONS = [
    ("warm-up off by one", "Sources/DMMCore/Network/Network.swift",
     "return max(1, sinks.map(depth).max() ?? 1)", "return max(1, sinks.map(depth).max() ?? 1) + 1"),
    ("port default dropped (sin.a = 1)", "Sources/DMMCore/Kinds/Sin.swift",
     'PortSpec("a", default: 1)', 'PortSpec("a")'),
    ("clock origin shifted one tick", "Sources/DMMCore/Network/NeuronKind.swift",
     "public var time: Double { Double(tick) * secondsPerTick }", "public var time: Double { Double(tick + 1) * secondsPerTick }"),
    ("wrong sign in sin/cos VJP (db)", "Sources/DMMCore/Network/PhaseKind.swift",
     "                gb += d\n", "                gb -= d\n"),
    ("quantiser rounds down instead of to nearest", "Sources/DMMCore/Kernels/Quantizer.swift",
     "let x = min(max((v + 1) * 127.5, 0), 255) + FastMath.magic", "let x = min(max((v + 1) * 127.5 - 0.5, 0), 255) + FastMath.magic"),
]

FLAGS = ["-c", "release", "-Xcc", "-march=x86-64-v3"]


def main():
    only = set(sys.argv[1:])
    report = []
    for i, (name, path, old, new) in enumerate(MUTATIONS):
        if only and str(i + 1) not in only:
            continue
        text = open(path).read()
        if text.count(old) != 1:
            sys.exit(f"mutation '{name}': the line to change is not found exactly once in {path}")
        open(path, "w").write(text.replace(old, new))
        try:
            # One build at a time on this machine: hold the shared build lock while compiling.
            with open(os.environ.get("DMM_BUILD_LOCK", "/tmp/swiftbuild.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                b = subprocess.run(["swift", "build", "--build-tests"] + FLAGS, capture_output=True, text=True)
            if b.returncode != 0:
                report.append((name, ["(does not compile)"]))
                continue
            t = subprocess.run(["swift", "test", "--skip-build"] + FLAGS, capture_output=True, text=True)
            failed = sorted(set(re.findall(r"✘ Test (.+?) (?:recorded an issue|failed after)", t.stdout)))
            report.append((name, failed))
        finally:
            subprocess.run(["git", "checkout", "--", path])
        print(f"{name}: {len(report[-1][1])} failing tests: {', '.join(report[-1][1][:12])}", flush=True)
    print("\nmutation                                   failing tests")
    for name, failed in report:
        print(f"{name:42s} {len(failed):3d}  {', '.join(failed[:8])}{' …' if len(failed) > 8 else ''}")
    if any(not f for _, f in report):
        sys.exit("a mutation survived")


if __name__ == "__main__":
    main()
