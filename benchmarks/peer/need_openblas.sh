#!/usr/bin/env bash
# Sourced by compare.sh and train_compare.sh (from the repository root) before they run PyTorch.
# Debian's PyTorch takes its BLAS from the libblas.so.3 alternative: without OpenBLAS that is the reference BLAS, and every
# PyTorch figure that touches a linear layer (or a convolution oneDNN does not take) would be handicapped.
if [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$(basename "$0"): installing libopenblas0-pthread (PyTorch's BLAS)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libopenblas0-pthread >/tmp/deeppsych-apt-openblas.log 2>&1 \
      || { echo "$(basename "$0"): could not install libopenblas0-pthread (see /tmp/deeppsych-apt-openblas.log)"; exit 1; }
  else
    echo "libopenblas0-pthread is missing, so PyTorch would run on the reference BLAS: sudo apt-get install -y libopenblas0-pthread"; exit 1
  fi
fi
