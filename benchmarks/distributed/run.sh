#!/usr/bin/env bash
# Data-parallel scaling on this machine: LeNet-5 training images/s for 1 process x 1 thread (global batch 64, and 32:
# one rank's share), 1 process x 2 threads, two independent 1 x 1 processes at once on 32 images each (no communication:
# what two busy cores of this machine allow at all, the ceiling for 2 processes), and 2 processes x 1 thread (Open MPI
# over shared memory) with the gradient all-reduce after backward (overlap off) and overlapped with it (overlap on,
# BUCKET floats per bucket), the latter also with Open MPI's own transport settings instead of the binding's tuning
# defaults (OpenMpiFlavour.TuningDefaults); interleaved for ROUNDS rounds, each 2-process run also printing, per rank,
# where its step time went. Then the ratios to 1 x 1 (median and range over the rounds), and all-reduce time against
# message size with and without the tuning. Usage: benchmarks/distributed/run.sh [ROUNDS=5] [STEPS=400] [BUCKET=16384]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}; steps=${2:-400}; bucket=${3:-16384}
command -v mpirun >/dev/null || { echo "mpirun not found: sudo apt-get install -y openmpi-bin libopenmpi-dev"; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/DeepPsych.Dsl.Distributed.Ranks -c Release -v q -nologo >/dev/null
ranks=tests/DeepPsych.Dsl.Distributed.Ranks/bin/Release/net10.0/ranks.dll
mpi=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader --mca mpi_yield_when_idle 1)
# Open MPI 4.1's own values of the two parameters the binding tunes (a set variable is never replaced).
untuned=(--mca btl_vader_single_copy_mechanism cma --mca btl_vader_max_send_size 32768)
rate() { grep -oE '[0-9]+ images/s' | head -1 | cut -d' ' -f1; }
log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  echo "round $r (load $(cut -d' ' -f1 /proc/loadavg))"
  out=$(dotnet "$ranks" bench --steps "$steps" --threads 1); echo "  1 process  x 1 thread : $out"; echo "$r one $(rate <<<"$out")" >>"$log"
  echo "  1 process  x 1 thread : $(dotnet "$ranks" bench --steps "$steps" --threads 1 --batch 32)"
  out=$(dotnet "$ranks" bench --steps "$steps" --threads 2); echo "  1 process  x 2 threads: $out"; echo "$r threads $(rate <<<"$out")" >>"$log"
  a=$(mktemp); b=$(mktemp)
  dotnet "$ranks" bench --steps "$((steps * 2))" --threads 1 --batch 32 >"$a" & dotnet "$ranks" bench --steps "$((steps * 2))" --threads 1 --batch 32 >"$b"; wait
  echo "  2 independent 1 x 1 (32 images each, at once): $(cat "$a") | $(cat "$b")"
  echo "$r independent $(( $(rate <"$a") + $(rate <"$b") ))" >>"$log"; rm -f "$a" "$b"
  for run in "off" "on" "on untuned"; do
    set -- ; [ "$run" = "on untuned" ] && set -- "${untuned[@]}"
    out=$("${mpi[@]}" "$@" -np 2 dotnet "$ranks" bench --steps "$steps" --threads 1 --overlap "$([ "$run" = off ] && echo 0 || echo 1)" --bucket "$bucket" \
      | grep -oE '(bench|profile) .*' | sort)
    sed 's/^/  2 processes x 1 thread : /' <<<"$out"; echo "$r mpi-${run// /-} $(rate <<<"$out")" >>"$log"
  done
done
echo "ratio to 1 process x 1 thread (batch 64), median (range) over $rounds rounds:"
for what in threads independent mpi-off mpi-on mpi-on-untuned; do
  awk -v w="$what" '$2 == "one" { one[$1] = $3 } $2 == w { x[$1] = $3 }
    END { n = 0; for (r in x) if (one[r] > 0) v[++n] = x[r] / one[r]
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
          printf "  %-15s %.2fx (%.2f-%.2f)\n", w, m, v[1], v[n] }' "$log"
done
echo "all-reduce (2 ranks, shared memory): tuned | Open MPI's own transport settings"
for floats in 1024 16384 61706 262144 1048576 4194304 11689512; do
  t=$("${mpi[@]}" -np 2 dotnet "$ranks" allreduce --floats "$floats" --repeat 30 | grep -oE 'allreduce [^;]*')
  u=$("${mpi[@]}" "${untuned[@]}" -np 2 dotnet "$ranks" allreduce --floats "$floats" --repeat 30 | grep -oE '[0-9.]+ µs, [0-9.]+ GB/s')
  echo "  $t | $u"
done
