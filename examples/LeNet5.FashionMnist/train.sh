#!/usr/bin/env bash
# The main job: trains LeNet-5 on Fashion-MNIST on the CPU path, installing what is missing first.
#   examples/LeNet5.FashionMnist/train.sh [--epochs 3] [--output runs/lenet5] [--help]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data=/usr/share/datasets/fashion-mnist
if [ ! -e "$data/train-images-idx3-ubyte.gz" ] && [[ " $* " != *" --data "* ]]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Fashion-MNIST (Debian package dataset-fashion-mnist) ..."
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist) >/tmp/deeppsych-apt.log 2>&1 \
      || { echo "Could not install dataset-fashion-mnist (see /tmp/deeppsych-apt.log)."; exit 1; }
  else
    echo "Fashion-MNIST is missing: run 'sudo apt-get install -y dataset-fashion-mnist', or pass --data DIR."; exit 1
  fi
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

exec dotnet run --project "$here/LeNet5.FashionMnist.csproj" -c Release -- "$@"
