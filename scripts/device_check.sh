#!/usr/bin/env bash
# The checks that need a GPU, in one run on a machine with CUDA, torch and transformers but no ROS and no
# network (the device machine): the GPU tests (test/policy/test_gpu.py), then `rt2-ros bench policy --gpu`
# (the OpenVLA-7B-shaped comparison), both straight from this checkout (no install). Everything printed is
# also written to $OUT (or output/device): gpu.txt, gpu_tests.log, policy_gpu.log and policy_gpu.json.
# About 5-8 minutes on an H100/H200, most of it torch.compile; exit code 0 only if both passed.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-output/device}"
mkdir -p "$out"
python="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/gpu.txt"
"$python" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' \
  2>&1 | tee -a "$out/gpu.txt"
"$python" -m pytest -q -p no:cacheprovider -m gpu test/policy/test_gpu.py 2>&1 | tee "$out/gpu_tests.log"
tests=${PIPESTATUS[0]}
"$python" -m rt2_ros bench policy --gpu --json "$out/policy_gpu.json" 2>&1 | tee "$out/policy_gpu.log"
bench=${PIPESTATUS[0]}
echo "device_check: tests exit $tests, benchmark exit $bench"
exit $((tests != 0 || bench != 0))
