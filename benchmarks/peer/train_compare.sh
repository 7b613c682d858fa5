#!/usr/bin/env bash
# The main job beside PyTorch, in the same run: a network of the main job on Fashion-MNIST, ours first, then PyTorch with
# the recipe read from our run's metrics.json (pytorch_fashion_train.py), so both train the same network the same way.
#   benchmarks/peer/train_compare.sh [network=lenet5] [seed=1] [more flags for the main job, e.g. --epochs 10]
#   benchmarks/peer/train_compare.sh resnet20
set -euo pipefail
cd "$(dirname "$0")/../.."
network=${1:-lenet5}; seed=${2:-1}; shift $(( $# < 2 ? $# : 2 ))
out=/tmp/deeppsych-train-compare-$network
. benchmarks/peer/pytorch_env.sh   # PyTorch's BLAS (OpenBLAS, its own kernel) and allocator (TCMalloc): torch_env
dotnet build examples/LeNet5.FashionMnist -c Release -v quiet -nologo -clp:ErrorsOnly
echo "== DeepPsych.Dsl (CPU path)"
dotnet examples/LeNet5.FashionMnist/bin/Release/net10.0/lenet5.dll --network "$network" --plain --overwrite --seed "$seed" --output "$out" "$@" \
  | grep -E "^(epoch  |epoch [0-9]+:| +[0-9]+  )|Test accuracy"
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ($(nproc) threads), recipe from $out/metrics.json"
env "${torch_env[@]}" /usr/bin/python3 benchmarks/peer/pytorch_fashion_train.py "$out/metrics.json" "$(nproc)"
