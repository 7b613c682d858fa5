#!/usr/bin/env bash
# Side-by-side in one command: DeepPsych.Dsl, PyTorch and (for LeNet-5 inference) ONNX Runtime on this machine, in the
# same run, interleaved (ours, PyTorch, ONNX Runtime, ours, ...), with the machine's FMA peak measured in the same run.
# Prints which ISA each side takes and a Markdown table ready for the README: medians over the rounds, and each ratio
# as the median of the per-round ratios with its range (> 1: we are faster).
#   benchmarks/peer/compare.sh [rounds=5] [workloads=all|lenet|conv|<conv shape>] [isa=native|avx2|sse]
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
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || echo "warning: libopenblas0-pthread is missing; PyTorch's nn.Linear then runs on the reference BLAS"

export OPENBLAS_NUM_THREADS=1   # PyTorch runs its own threads; OpenBLAS threads would fight them (ENVIRONMENT.md)
ours_env=(); torch_env=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)   # these machines set both for old OpenBLAS builds
case "$isa" in
  native) ;;
  avx2) ours_env=(DOTNET_EnableAVX512=0); torch_env=(-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2) ;;
  sse) ours_env=(DOTNET_EnableAVX2=0); torch_env=(-u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=Nehalem ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41) ;;
  *) echo "isa must be native, avx2 or sse"; exit 2 ;;
esac

dotnet build benchmarks/DeepPsych.Dsl.Benchmarks -c Release -v quiet -nologo -clp:ErrorsOnly
ours="dotnet benchmarks/DeepPsych.Dsl.Benchmarks/bin/Release/net10.0/DeepPsych.Dsl.Benchmarks.dll peer $only"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ort=""
if [ "$isa" = native ] && { [ "$only" = all ] || [ "$only" = lenet ]; }; then
  if $py -c "import onnx" 2>/dev/null; then
    dotnet build benchmarks/peer/OnnxRuntimePeer -c Release -v quiet -nologo -clp:ErrorsOnly
    env "${torch_env[@]}" $py benchmarks/peer/export_lenet5_onnx.py "$work/lenet5.onnx"
    ort="dotnet benchmarks/peer/OnnxRuntimePeer/bin/Release/net10.0/OnnxRuntimePeer.dll $work/lenet5.onnx $threads"
  else
    echo "warning: python3-onnx is missing (apt-get install -y python3-onnx): no ONNX Runtime column"
  fi
fi
# oneDNN says which ISA it dispatches to only in its verbose log: read it once from a tiny convolution.
onednn=$(env "${torch_env[@]}" DNNL_VERBOSE=1 ONEDNN_VERBOSE=1 $py -c "import torch; torch.nn.Conv2d(1, 6, 5)(torch.rand(1, 1, 28, 28))" 2>/dev/null \
  | sed -n 's/^onednn_verbose,info,cpu,isa://p' | head -1)

log="$work/log"
for r in $(seq 1 "$rounds"); do
  env "${ours_env[@]}" $ours | sed "s/^/ours $r /" >> "$log"
  env "${torch_env[@]}" DEEPPSYCH_ONEDNN_ISA="$onednn" $py benchmarks/peer/pytorch_peer.py "$only" "$threads" | sed "s/^/torch $r /" >> "$log"
  [ -z "$ort" ] || $ort | sed "s/^/ort $r /" >> "$log"
done
$py benchmarks/peer/compare_table.py "$log" "$rounds" "$isa"
