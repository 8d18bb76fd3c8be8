"""Compares the _seg.npy files of the two CLIs case by case: flows, cell probability, masks (AP with
Cellpose's own metrics), outlines, the display flows and every other key.

usage: python3 compare.py WORK_DIR CASES_FILE   (Cellpose importable, as run.sh sets it up)
"""
import os
import sys

import numpy as np
from cellpose import metrics

work, cases = sys.argv[1], sys.argv[2]
print(f'{"case":14s} {"max|dP|":>9s} {"max|cp|":>9s} {"masks":>11s} {"AP50":>6s} {"AP90":>6s} {"same px":>8s}  other differences')
for line in open(cases):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    name, img, _ = line.split('|')
    stem = os.path.splitext(img)[0]
    real_seg, ours_seg = f'{work}/real/{name}/{stem}_seg.npy', f'{work}/ours/{name}/{stem}_seg.npy'
    if not os.path.exists(real_seg) and not os.path.exists(ours_seg):
        # a case that both programs refuse (their logs say why): agreement, as long as ours says why
        last = open(f'{work}/ours/{name}/log.txt').read().strip().splitlines()[-1:]
        print(f'{name:14s} no output from either (ours: {last[0] if last else "no message"})')
        continue
    try:
        a = np.load(real_seg, allow_pickle=True).item()
        b = np.load(ours_seg, allow_pickle=True).item()
    except OSError as e:
        print(f'{name:14s} missing output: {e}')
        continue
    fa, fb = a['flows'][4], b['flows'][4]
    if np.shape(fa) != np.shape(fb):
        print(f'{name:14s} flows[4] shapes differ: {np.shape(fa)} vs {np.shape(fb)}')
        continue
    ddp = float(np.abs(fa[:-1] - fb[:-1]).max())
    dcp = float(np.abs(fa[-1] - fb[-1]).max())
    ma, mb = a['masks'], b['masks']
    with np.errstate(all='ignore'):
        ap = metrics.average_precision([ma.astype(np.int32)], [mb.astype(np.int32)], threshold=[0.5, 0.9])[0][0]
    notes = []
    for k in range(4):
        x, y = a['flows'][k], b['flows'][k]
        if isinstance(x, list) or isinstance(y, list):
            if not (isinstance(x, list) and isinstance(y, list)):
                notes.append(f'flows[{k}] list vs array')
        elif x.shape != y.shape or x.dtype != y.dtype:
            notes.append(f'flows[{k}] {x.dtype}{x.shape} vs {y.dtype}{y.shape}')
        elif (np.abs(x.astype(int) - y.astype(int)) > 1).any():
            notes.append(f'flows[{k}] differs')
    if sorted(a) != sorted(b):
        notes.append(f'keys {sorted(set(a) ^ set(b))}')
    for k in a:
        if k in ('flows', 'masks', 'outlines', 'filename') or k not in b:
            continue
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if k == 'diameter' and x.shape == y.shape and np.allclose(x, y, rtol=1e-14, atol=0):
            # an estimated diameter may differ in its last bit (float64 rounding of the median
            # and the sqrt(pi)/2 factor); the masks it leads to are compared above
            if not np.array_equal(x, y):
                notes.append(f'diameter within 1e-14 ({float(x)!r} vs {float(y)!r})')
            continue
        if not np.array_equal(x, y):
            notes.append(f'{k} differs')
    if ma.shape == mb.shape and (ma != mb).any():
        # the fraction below rounds to 4 decimals: name the count, so no difference hides in it
        notes.append(f'{int((ma != mb).sum())} mask pixels differ')
    if ma.shape == mb.shape and not (a['outlines'] == b['outlines']).all() and (ma == mb).all():
        notes.append('outlines differ')
    print(f'{name:14s} {ddp:9.2e} {dcp:9.2e} {int(ma.max()):5d}/{int(mb.max()):<5d} {ap[0]:6.3f} {ap[1]:6.3f} {float((ma == mb).mean()):8.4f}  {", ".join(notes)}')
