#!/usr/bin/env bash
# The main job: trains LeNet-5 on Fashion-MNIST on the CPU path, installing what is missing first.
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

exec dotnet run --project "$here/LeNet5.FashionMnist.csproj" -c Release -- "$@"
