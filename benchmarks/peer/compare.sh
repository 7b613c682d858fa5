#!/usr/bin/env bash
# Side-by-side: DeepPsych.Dsl vs PyTorch on this machine, in the same run, interleaved (ours, torch, ours, torch, ...),
# each the median of its rounds. Prints a table with ratios (ours / PyTorch; > 1 means we are faster).
#   benchmarks/peer/compare.sh [rounds=3] [workloads=all|lenet|conv]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
only=${2:-all}
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "PyTorch missing: apt-get install -y python3-torch libopenblas0-pthread"; exit 1; }
export OPENBLAS_NUM_THREADS=1   # PyTorch runs 2 threads itself; OpenBLAS threads would fight them (ENVIRONMENT.md)
dotnet build benchmarks/DeepPsych.Dsl.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly
ours="dotnet benchmarks/DeepPsych.Dsl.Benchmarks/bin/Release/net10.0/DeepPsych.Dsl.Benchmarks.dll peer $only"
log=$(mktemp)
for r in $(seq 1 "$rounds"); do
  $ours | sed 's/^/ours /' >> "$log"
  /usr/bin/python3 benchmarks/peer/pytorch_peer.py "$only" "$(nproc)" | sed 's/^/torch /' >> "$log"
done
/usr/bin/python3 - "$log" "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, name, sec, value, unit = line.split()
    rows.setdefault(name, {}).setdefault(who, []).append(float(value))
    rows[name]["unit"] = unit
print(f"side-by-side, {sys.argv[2]} interleaved rounds, medians")
print(f"{'workload':<20} {'DeepPsych.Dsl':>16} {'PyTorch':>16} {'ratio':>7}")
for name, r in rows.items():
    o, t = statistics.median(r["ours"]), statistics.median(r["torch"])
    print(f"{name:<20} {o:>10.1f} {r['unit']:<5} {t:>10.1f} {r['unit']:<5} {o / t:>6.2f}x")
PY
rm -f "$log"
