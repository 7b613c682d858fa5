#!/usr/bin/env bash
# Data-parallel scaling on this machine: LeNet-5 training images/s for 1 process x 1 thread (global batch 64, and 32:
# one rank's share), 1 process x 2 threads and 2 processes x 1 thread (Open MPI over shared memory) with the gradient
# all-reduce after backward (overlap off) and overlapped with it (overlap on, BUCKET floats per bucket), interleaved for
# ROUNDS rounds; each 2-process run also prints, per rank, where its step time went. Then all-reduce time against
# message size. Usage: benchmarks/distributed/run.sh [ROUNDS=5] [STEPS=400] [BUCKET=16384]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}; steps=${2:-400}; bucket=${3:-16384}
command -v mpirun >/dev/null || { echo "mpirun not found: sudo apt-get install -y openmpi-bin libopenmpi-dev"; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/DeepPsych.Dsl.Distributed.Ranks -c Release -v q -nologo >/dev/null
ranks=tests/DeepPsych.Dsl.Distributed.Ranks/bin/Release/net10.0/ranks.dll
mpi=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader --mca mpi_yield_when_idle 1)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  echo "round $r (load $(cut -d' ' -f1 /proc/loadavg))"
  dotnet "$ranks" bench --steps "$steps" --threads 1 | sed 's/^/  1 process  x 1 thread : /'
  dotnet "$ranks" bench --steps "$steps" --threads 1 --batch 32 | sed 's/^/  1 process  x 1 thread : /'
  dotnet "$ranks" bench --steps "$steps" --threads 2 | sed 's/^/  1 process  x 2 threads: /'
  for overlap in 0 1; do
    "${mpi[@]}" -np 2 dotnet "$ranks" bench --steps "$steps" --threads 1 --overlap "$overlap" --bucket "$bucket" \
      | grep -oE '(bench|profile) .*' | sort | sed 's/^/  2 processes x 1 thread : /'
  done
done
echo "all-reduce (2 ranks, shared memory)"
for floats in 1024 16384 61706 262144 1048576 4194304 11689512; do
  "${mpi[@]}" -np 2 dotnet "$ranks" allreduce --floats "$floats" --repeat 30 | grep -oE 'allreduce .*' | sed 's/^/  /'
done
