#!/usr/bin/env bash
# Side-by-side in one command: DeepPsych.Dsl, PyTorch and (for network inference) ONNX Runtime on this machine, in the
# same run, interleaved (ours, PyTorch, ONNX Runtime, ours, ...), with the machine's FMA peak measured in the same run.
# Prints which ISA each side takes and a Markdown table ready for the README: medians over the rounds, and each ratio
# as the median of the per-round ratios with its range (> 1: we are faster).
#   benchmarks/peer/compare.sh [rounds=5] [workloads=all|lenet|classic|classic_more|conv|<workload or conv shape>] [isa=native|avx2|sse]
# lenet, classic and classic_more are groups of networks.tsv (LeNet-5; ResNet-20 training at batch 128 on 1x28x28,
# ResNet-18 training at batch 16 and ResNet-18 and VGG-16 batch-1 inference at 224x224; AlexNet, GoogLeNet and ResNet-50
# batch-1 inference), conv the shapes of conv_shapes.tsv; all is every one of them.
# PEER_LOCK=FILE: on a machine shared by several benchmark runs, hold `flock FILE` during each side's timed run only (the
# builds and the ONNX exports run outside it), so a long comparison never holds the machine for long at a time.
# isa=avx2 limits every side to AVX2 (ours: DOTNET_EnableAVX512=0; PyTorch: ATEN_CPU_CAPABILITY=avx2,
# ONEDNN_MAX_CPU_ISA=AVX2, OpenBLAS Haswell kernels); isa=sse switches AVX2 off for ours too (DOTNET_EnableAVX2=0;
# PyTorch: ATen default, oneDNN SSE4.1, OpenBLAS Nehalem). ONNX Runtime has no such switch: it runs only with native.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
only=${2:-all}
isa=${3:-native}
threads=$(nproc)
py=/usr/bin/python3   # Debian's interpreter, the one with python3-torch (ENVIRONMENT.md)
$py -c "import torch" 2>/dev/null || { echo "PyTorch missing: apt-get install -y python3-torch libopenblas0-pthread python3-onnx"; exit 1; }
. benchmarks/peer/pytorch_env.sh   # PyTorch's BLAS (OpenBLAS, its own kernel) and allocator (TCMalloc): torch_env
ours_env=()
case "$isa" in
  native) ;;
  avx2) ours_env=(DOTNET_EnableAVX512=0); torch_env+=(OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2) ;;
  sse) ours_env=(DOTNET_EnableAVX2=0); torch_env+=(OPENBLAS_CORETYPE=Nehalem ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41) ;;
  *) echo "isa must be native, avx2 or sse"; exit 2 ;;
esac

dotnet build benchmarks/DeepPsych.Dsl.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly
ours="dotnet benchmarks/DeepPsych.Dsl.Benchmarks/bin/Release/net10.0/DeepPsych.Dsl.Benchmarks.dll peer $only"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ort=""
if [ "$isa" = native ]; then
  if $py -c "import onnx" 2>/dev/null; then
    # The PyTorch models of the selected inference rows, exported once (none for conv): ONNX Runtime runs those.
    mkdir "$work/onnx"
    env "${torch_env[@]}" $py benchmarks/peer/export_onnx.py "$only" "$work/onnx" 2> >(grep -v -i warn >&2)
    if compgen -G "$work/onnx/*.onnx" > /dev/null; then
      dotnet build benchmarks/peer/OnnxRuntimePeer -c Release -v quiet -nologo -clp:ErrorsOnly
      ort="dotnet benchmarks/peer/OnnxRuntimePeer/bin/Release/net10.0/OnnxRuntimePeer.dll benchmarks/peer/networks.tsv $work/onnx $only $threads"
    fi
  else
    echo "warning: python3-onnx is missing (apt-get install -y python3-onnx): no ONNX Runtime column"
  fi
fi
# oneDNN says which ISA it dispatches to only in its verbose log: read it once from a tiny convolution.
onednn=$(env "${torch_env[@]}" DNNL_VERBOSE=1 ONEDNN_VERBOSE=1 $py -c "import torch; torch.nn.Conv2d(1, 6, 5)(torch.rand(1, 1, 28, 28))" 2>/dev/null \
  | sed -n 's/^onednn_verbose,info,cpu,isa://p' | head -1)

log="$work/log"
# Each side's run holds PEER_LOCK, if set, on its own (the order stays ours, PyTorch, ONNX Runtime, ours, ...).
locked() { if [ -n "${PEER_LOCK:-}" ]; then flock "$PEER_LOCK" "$@"; else "$@"; fi; }
for r in $(seq 1 "$rounds"); do
  locked env "${ours_env[@]}" $ours | sed "s/^/ours $r /" >> "$log"
  locked env "${torch_env[@]}" DEEPPSYCH_ONEDNN_ISA="$onednn" $py benchmarks/peer/pytorch_peer.py "$only" "$threads" | sed "s/^/torch $r /" >> "$log"
  [ -z "$ort" ] || locked $ort | sed "s/^/ort $r /" >> "$log"
  echo "round $r of $rounds done at $(date -u +%H:%M:%S) UTC" >&2
done
$py benchmarks/peer/compare_table.py "$log" "$rounds" "$isa"
