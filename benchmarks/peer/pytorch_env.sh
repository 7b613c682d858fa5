#!/usr/bin/env bash
# Sourced by compare.sh and train_compare.sh (from the repository root) before they run PyTorch: PyTorch at its best on
# this machine, installed when run as root, and the environment of its side in the array torch_env.
# - BLAS: Debian's PyTorch takes it from the libblas.so.3 alternative; without OpenBLAS that is the reference BLAS, and
#   every PyTorch figure that touches a linear layer (or a convolution oneDNN does not take) would be handicapped.
#   OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on these machines for old OpenBLAS builds, are unset for PyTorch's side so
#   OpenBLAS takes its own kernel for this CPU; OPENBLAS_NUM_THREADS=1 because PyTorch runs its own threads.
# - Memory: glibc's malloc gives large freed blocks back to the kernel, so every PyTorch call that allocates a big
#   activation page-faults it in again (thousands of faults per convolution call, and timings that swing several-fold
#   from process to process). PyTorch's own performance guide preloads TCMalloc or jemalloc; so do we (LD_PRELOAD of
#   Debian's libtcmalloc_minimal from libgoogle-perftools4).
need=()
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || need+=(libopenblas0-pthread)
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
[ -e "$tcmalloc" ] || need+=(libgoogle-perftools4)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "$(basename "$0"): installing ${need[*]} (PyTorch's BLAS and allocator)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/tmp/deeppsych-apt-torch.log 2>&1 \
      || { echo "$(basename "$0"): could not install ${need[*]} (see /tmp/deeppsych-apt-torch.log)"; exit 1; }
  else
    echo "${need[*]} missing, so PyTorch would run handicapped (reference BLAS, or glibc malloc's page faults): sudo apt-get install -y ${need[*]}"; exit 1
  fi
fi
export OPENBLAS_NUM_THREADS=1
torch_env=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_PRELOAD="$tcmalloc")
