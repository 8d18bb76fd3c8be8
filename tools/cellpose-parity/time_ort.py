"""Time our ONNX CPnet in Python's onnxruntime (the same MLAS kernels as onnxruntime-node of the
same version) on the tiles Cellpose makes of a 1024 x 1024 image at rescale 1: 36 tiles of
224 x 224, in batches of 8, with the session options the app uses (graph optimisation 'all',
sequential execution, THREADS intra-op threads). Prints one JSON object with the seconds per pass.

usage: python3 time_ort.py MODEL.onnx N_TILES BATCH THREADS REPEATS
For comparing with time_cellpose.py on a machine where Node is not installed (a GPU machine's CPU).
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort

model, n_tiles, batch, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
opts = ort.SessionOptions()
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
opts.intra_op_num_threads = threads
opts.inter_op_num_threads = 1
opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
t0 = time.perf_counter()
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
load_s = time.perf_counter() - t0
name = sess.get_inputs()[0].name
rng = np.random.default_rng(0)
tiles = rng.standard_normal((n_tiles, 2, 224, 224)).astype(np.float32)
passes = []
for _ in range(repeats + 1):  # the first pass warms up (allocations, kernel selection)
    t0 = time.perf_counter()
    for b in range(0, n_tiles, batch):
        sess.run(None, {name: tiles[b:b + batch]})
    passes.append(time.perf_counter() - t0)
print(json.dumps({"ort": ort.__version__, "threads": threads, "load_s": load_s, "warmup_s": passes[0], "passes_s": passes[1:]}))
