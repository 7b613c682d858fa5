#!/usr/bin/env bash
# The main job: trains LeNet-5 (or, with --network resnet20, ResNet-20) on Fashion-MNIST on the CPU path, installing what is missing first.
#   --ranks N: data parallel over N Open MPI processes on this machine (builds once, then mpirun -np N).
#   examples/LeNet5.FashionMnist/train.sh [--epochs 3] [--output runs/lenet5] [--help]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${DEEPPSYCH_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"   # where apt-get puts it; overridable for tests
# Install only when the run needs the default data: not for --help, nor when --data names another folder.
wants_default_data=1
for a in "$@"; do case "$a" in --help|-h|--data|--data=*) wants_default_data=0 ;; esac; done
if [ "$wants_default_data" = 1 ] && [ ! -e "$data/train-images-idx3-ubyte.gz" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Fashion-MNIST (Debian package dataset-fashion-mnist) ..."
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist) >/tmp/deeppsych-apt.log 2>&1 \
      || { echo "Could not install dataset-fashion-mnist (see /tmp/deeppsych-apt.log)."; exit 1; }
  else
    echo "Fashion-MNIST is missing: run 'sudo apt-get install -y dataset-fashion-mnist', or pass --data DIR."; exit 1
  fi
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# --ranks N (data parallel over Open MPI): taken out of the arguments; the program itself never sees it.
ranks=1; rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks="${2:?--ranks needs a number}"; shift 2 ;;
    --ranks=*) ranks="${1#--ranks=}"; shift ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ "$ranks" = 1 ]; then
  exec dotnet run --project "$here/LeNet5.FashionMnist.csproj" -c Release -- ${rest[@]+"${rest[@]}"}
fi
if ! command -v mpirun >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Open MPI (Debian packages openmpi-bin libopenmpi-dev) ..."
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openmpi-bin libopenmpi-dev) >/tmp/deeppsych-apt.log 2>&1 \
      || { echo "Could not install Open MPI (see /tmp/deeppsych-apt.log)."; exit 1; }
  else
    echo "--ranks needs Open MPI: run 'sudo apt-get install -y openmpi-bin libopenmpi-dev'."; exit 1
  fi
fi
# Build once, then start the ranks on this machine (shared memory between them; TCP only on loopback).
dotnet build "$here/LeNet5.FashionMnist.csproj" -c Release -v q -nologo >/dev/null
root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
exec mpirun ${root[@]+"${root[@]}"} --oversubscribe -np "$ranks" --mca btl self,vader,tcp --mca btl_tcp_if_include lo \
  --mca oob_tcp_if_include lo dotnet "$here/bin/Release/net10.0/lenet5.dll" ${rest[@]+"${rest[@]}"}
