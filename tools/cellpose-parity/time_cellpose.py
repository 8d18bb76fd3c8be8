"""Time the real Cellpose 3.1 on one image, split as `npm run bench engine` splits ours.

Prints one JSON object: seconds to import Cellpose (torch, numpy, scipy, cv2 with it), to load the
model, and for each repetition the whole `CellposeModel.eval` with the time spent in the network
(`core.run_net`, which includes Cellpose's tiling and its normalisation of the tiles) and in the
dynamics (`CellposeModel._compute_masks`: flow following, the flow-error check, holes and small masks).

usage: PYTHONPATH=shim:CELLPOSE_SRC[:roifile] OMP_NUM_THREADS=2 \
           python3 time_cellpose.py IMAGE.tif MODEL DIAMETER_PX REPEATS [gpu]
Used by bench/engine.bench.ts when CELLPOSE_SRC is set (tools/cellpose-parity/README.md). With the
fifth argument `gpu`, Cellpose runs with gpu=True (PyTorch's CUDA device: network and dynamics),
as tools/gpu-check/webgpu_run.sh uses it on a GPU machine.
"""
import json
import sys
import time

t0 = time.perf_counter()
import tifffile  # noqa: E402
import torch  # noqa: E402
from cellpose import core, models  # noqa: E402
import_s = time.perf_counter() - t0

image_path, model_path, diameter_px, repeats = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
use_gpu = len(sys.argv) > 5 and sys.argv[5] == "gpu"
spent = {"net": 0.0, "dynamics": 0.0}


def timed(fn, key):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start
    return wrapper


# models.py imported run_net itself (from .core import run_net), so it is patched there.
models.run_net = timed(models.run_net, "net")
core.run_net = models.run_net
models.CellposeModel._compute_masks = timed(models.CellposeModel._compute_masks, "dynamics")

img = tifffile.imread(image_path)
t0 = time.perf_counter()
model = models.CellposeModel(pretrained_model=model_path, gpu=use_gpu)
load_s = time.perf_counter() - t0
runs = []
for _ in range(repeats):
    spent["net"] = spent["dynamics"] = 0.0
    t0 = time.perf_counter()
    masks, _flows, _styles = model.eval(img, diameter=diameter_px, channels=[0, 0])
    runs.append({"eval_s": time.perf_counter() - t0, "net_s": spent["net"], "dynamics_s": spent["dynamics"],
                 "n_masks": int(masks.max())})
print(json.dumps({"device": str(model.device), "torch_threads": torch.get_num_threads(), "import_s": import_s, "load_s": load_s, "runs": runs}))
