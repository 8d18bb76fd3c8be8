# canon(x): the JSON form of a numpy/Python value that test/core/io/pickle/canon.ts computes from
# the TypeScript reader's values (arrays as dtype + shape + sha256 of C-order little-endian bytes).
import hashlib, pathlib
import numpy as np


def canon(x):
    if isinstance(x, np.ndarray):
        if x.dtype.kind in 'OUS':
            # str/bytes arrays read as JS strings (bytes as latin-1), object arrays item by item.
            flat = [v.decode('latin1') if isinstance(v, bytes) and x.dtype.kind == 'S' else canon(v) for v in x.flatten(order='C').tolist()]
            return {'obj': list(x.shape), 'items': flat}
        b = np.ascontiguousarray(x)
        if b.dtype.kind == 'f' and b.dtype.itemsize == 2:
            b = b.astype('<f4')
        b = b.astype(b.dtype.newbyteorder('<'))
        names = {'b1': 'bool', 'u1': 'uint8', 'i1': 'int8', 'u2': 'uint16', 'i2': 'int16', 'u4': 'uint32', 'i4': 'int32', 'u8': 'uint64', 'i8': 'int64', 'f4': 'float32', 'f8': 'float64'}
        return {'nd': names[b.dtype.str[1:]], 'shape': list(x.shape), 'sha': hashlib.sha256(b.tobytes()).hexdigest()}
    if isinstance(x, np.bool_) or isinstance(x, bool):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        v = int(x)
        return v if abs(v) <= 2**53 - 1 else {'int': str(v)}
    if isinstance(x, (np.floating, float)):
        v = float(x)
        # JSON has no NaN/Infinity: spell them as JavaScript's String() does (canon.ts does the same).
        return v if np.isfinite(v) else ('NaN' if v != v else ('Infinity' if v > 0 else '-Infinity'))
    if isinstance(x, str):
        return x
    if isinstance(x, pathlib.PurePath):
        return str(x)
    if isinstance(x, bytes):
        return {'bytes': x.hex()}
    if x is None:
        return None
    if isinstance(x, tuple):
        return {'tuple': [canon(v) for v in x]}
    if isinstance(x, list):
        return [canon(v) for v in x]
    if isinstance(x, dict):
        return {'dict': [[canon(k), canon(v)] for k, v in x.items()]}
    raise TypeError(type(x))
