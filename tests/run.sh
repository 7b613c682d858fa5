#!/usr/bin/env bash
# The test command (README, and .ci/run calls it): installs what the tests need, builds everything, runs every test.
#   tests/run.sh            all tests
#   tests/run.sh --filter X passes extra arguments to dotnet test
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenCL on the CPU (PoCL) for the ILGPU OpenCL tests; PyTorch to check safetensors interop and, with torchvision, the
# classic networks' parity; onnx for the exported files' checker; scikit-learn for the PolynomialFit comparison; Open MPI for the data-parallel tests (2 ranks
# on loopback). All optional for a developer without root: the tests that need them skip and say why.
need=()
[ -e /usr/lib/x86_64-linux-gnu/libOpenCL.so ] || need+=(ocl-icd-opencl-dev)
dpkg -s pocl-opencl-icd >/dev/null 2>&1 || need+=(pocl-opencl-icd)
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || need+=(python3-torch)
/usr/bin/python3 -c "import torchvision" >/dev/null 2>&1 || need+=(python3-torchvision)
/usr/bin/python3 -c "import onnx" >/dev/null 2>&1 || need+=(python3-onnx)
/usr/bin/python3 -c "import sklearn" >/dev/null 2>&1 || need+=(python3-sklearn)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
[ -e /usr/lib/x86_64-linux-gnu/libmpi.so.40 ] || need+=(libopenmpi-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "tests/run.sh: installing ${need[*]}"
    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}") >/tmp/deeppsych-apt.log 2>&1 \
      || echo "tests/run.sh: could not install ${need[*]} (see /tmp/deeppsych-apt.log); the tests that need them will skip"
  else
    echo "tests/run.sh: missing ${need[*]} (not root); the tests that need them will skip"
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# Show build errors, each test assembly's totals, and every failed or skipped test with its message or reason.
dotnet test DeepPsych.Dsl.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" \
  | grep -E --line-buffered ": error |^\s*(Failed|Skipped) |^\s*(Total tests|Passed|Failed|Skipped):|Error Message|^\s+Expected|^\s+Actual"
status=${PIPESTATUS[0]}
sum() { grep -oE "^\s+$1: +[0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
echo
echo "$(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$status"
