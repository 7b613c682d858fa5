#!/usr/bin/env bash
# The main job beside PyTorch, in the same run: LeNet-5 on Fashion-MNIST, same recipe, 3 epochs each, ours first.
#   benchmarks/peer/train_compare.sh [seed=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-1}
export OPENBLAS_NUM_THREADS=1   # PyTorch runs 2 threads itself; OPENBLAS_CORETYPE/L2_SIZE are unset for its side only (fair BLAS kernel)
dotnet build examples/LeNet5.FashionMnist -c Release -v quiet -nologo -clp:ErrorsOnly
echo "== DeepPsych.Dsl (CPU path)"
dotnet examples/LeNet5.FashionMnist/bin/Release/net10.0/lenet5.dll --plain --overwrite --seed "$seed" --output /tmp/deeppsych-train-compare \
  | grep -E "^(epoch  |epoch [0-9]+:| +[0-9]+  )|Test accuracy"
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') (2 threads)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/peer/pytorch_fashion_lenet5.py "$(nproc)" 3 "$seed"
