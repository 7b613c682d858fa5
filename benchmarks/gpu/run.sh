#!/usr/bin/env bash
# GPU check: parity of every kernel family on the device, LeNet-5 training step (batch 64, 1024), conv 3x3 64->64 on
# 32x64x56x56 forward+backward, the same work in PyTorch, and the ratios.
#
#   benchmarks/gpu/run.sh publish            build the self-contained, trimmed linux-x64 publish (needs .NET; run here)
#   benchmarks/gpu/run.sh [--device cuda:0]  run it (needs no .NET: the GPU machine has none)
#   benchmarks/gpu/run.sh --device ilgpu-cpu --small   dry run on ILGPU's CPU accelerator at tiny sizes (PyTorch on CPU)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pub="$here/publish"
if [ "${1:-}" = publish ]; then
  dotnet publish "$here/DeepPsych.Dsl.GpuCheck" -c Release -r linux-x64 --self-contained \
    -o "$pub" --artifacts-path "${ARTIFACTS:-/tmp/art-gpucheck}"
  du -sh "$pub"
  exit 0
fi
[ -x "$pub/DeepPsych.Dsl.GpuCheck" ] || { echo "no publish at $pub: run '$0 publish' on a machine with .NET first" >&2; exit 2; }
small=""; torchdev=""
for a in "$@"; do [ "$a" = --small ] && small=--small; [ "$a" = ilgpu-cpu ] && torchdev=--cpu; done
out="${OUT:-/tmp}"
echo "== DeepPsych.Dsl on ILGPU =="
status=0
"$pub/DeepPsych.Dsl.GpuCheck" "$@" | tee "$out/deeppsych.log" || status=$?
echo "== PyTorch =="
py=python3; [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null && py=/usr/bin/python3
OPENBLAS_NUM_THREADS=1 "$py" "$here/torch_bench.py" $small $torchdev | tee "$out/torch.log"
echo "== ratios =="
"$py" "$here/compare.py" "$out/deeppsych.log" "$out/torch.log" | tee "$out/ratios.txt"
exit $status
