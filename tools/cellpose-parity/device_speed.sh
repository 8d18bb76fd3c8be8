#!/usr/bin/env bash
# On a GPU machine's CPU (no Node there): the real Cellpose 3.1 with pip's PyTorch against our ONNX
# CPnet in Python's onnxruntime, both pinned to the same 2 cores, alternating, on a 1024 x 1024
# image at rescale 1 (36 tiles). Needs .bench-dev (see README.md): cpsrc/cellpose (3.1.1.3, not
# patched: PyTorch 2 indexes with int32), py/ (shims, roifile, natsort), model.onnx, big1024.tif.
set -u
D=.bench-dev
lscpu | grep -E "^Model name|^CPU\(s\)"
grep -o -w -E "avx512f|avx2|amx_tile" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
python3 -c "import torch, onnxruntime, numpy; print('torch', torch.__version__, 'mkldnn', torch.backends.mkldnn.is_available(), 'onnxruntime', onnxruntime.__version__, 'numpy', numpy.__version__)"
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 PYTHONUNBUFFERED=1
for round in 1 2; do
  taskset -c 2,3 env PYTHONPATH=$D/py:$D/cpsrc python3 tools/cellpose-parity/time_cellpose.py $D/big1024.tif resources/models/cpsd_nuclei_v1 17 2 2>&1 | tail -n 1
  taskset -c 2,3 python3 tools/cellpose-parity/time_ort.py $D/model.onnx 36 8 2 2 2>&1 | tail -n 1
done
