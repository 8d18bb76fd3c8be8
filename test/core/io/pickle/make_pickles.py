# Test-data generator (run by pickle-reader.test.ts, never by the app): pickles a dict of awkward
# values with numpy at protocols 2-5, plus a protocol-4 stream that names `numpy._core.multiarray`
# as numpy 2 does, and prints the canonical form the TypeScript reader must reproduce.
#
# numpy-2 names on numpy 1.24: a Pickler.reducer_override swaps numpy's _reconstruct/scalar for
# stand-ins whose __module__ is 'numpy._core.multiarray' (registered in sys.modules), so the
# stream carries exactly the global names numpy 2 writes, with correct FRAME lengths.
import hashlib, io, json, pathlib, pickle, sys, types
import numpy as np
sys.path.insert(0, __import__('os').path.dirname(__file__))
from pycanon import canon

out_dir = sys.argv[1]
small = len(sys.argv) > 2 and sys.argv[2] == 'small'

rng = np.random.default_rng(7)
d = {
    'fortran': np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5),
    'fortran_u2': np.asfortranarray(np.arange(12, dtype=np.uint16).reshape(3, 4)),
    'big_i4': (np.arange(10, dtype='>i4') - 5),
    'big_f8': np.linspace(-1, 1, 7).astype('>f8'),
    'scalars': [np.int16(-1), np.float32(1.5), np.uint8(200), np.bool_(True), np.float64(2.25), np.int64(-2**40), np.uint32(4000000000)],
    'nested': [[np.zeros((2, 2), np.uint8), [np.ones(3, np.int8) * -3]], []],
    'path': pathlib.PurePosixPath('/tmp/a/b.tif'),
    'bool': np.array([True, False, True]),
    'f2': np.array([1.5, -2.0, 65504, 1e-7, np.inf], dtype=np.float16),
    'u8': np.array([2**63 + 5, 1], dtype=np.uint64),
    'i8': np.array([-2**62, 7], dtype=np.int64),
    'zero_d': np.array(3.5),
    'obj': np.array([[1, 'a'], [None, 2.5]], dtype=object),
    'bigint': 2**70, 'neg_bigint': -(2**70), 'int': -123456, 'float': 0.1, 'none': None,
    'str': 'h\u00e9llo \u2603', 'bytes': b'\x00\xff', 'tuple': (1, 2, 3, 4), 'dict': {'a': 1, 2: 'b', None: True},
    'strarr': np.array(['ab', 'c\u00e9']), 'bytesarr': np.array([b'xy', b'z']),
    'empty': np.zeros((0, 3), np.float32), 'empty_list': [],
    'shared': None,
}
if not small:
    d['u2_300'] = rng.integers(0, 65535, size=(300, 300), dtype=np.uint16)
    d['long_list'] = list(range(2500))
    d['f4_64k'] = rng.standard_normal((130, 130)).astype(np.float32)  # > 64 KiB: outside protocol-4 frames
a = np.arange(5, dtype=np.int32)
d['shared'] = [a, a]  # the same array twice: memo references

for proto in (2, 3, 4, 5):
    with open(f'{out_dir}/p{proto}.pkl', 'wb') as f:
        pickle.dump(d, f, protocol=proto)

np.save(f'{out_dir}/obj.npy', np.array(d, dtype=object), allow_pickle=True)

mod = types.ModuleType('numpy._core.multiarray')
def _reconstruct(*a):
    raise RuntimeError('stand-in only')
def scalar(*a):
    raise RuntimeError('stand-in only')
for fn in (_reconstruct, scalar):
    fn.__module__ = 'numpy._core.multiarray'
    fn.__qualname__ = fn.__name__
    setattr(mod, fn.__name__, fn)
sys.modules['numpy._core.multiarray'] = mod

class Numpy2Names(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, (np.ndarray, np.generic)):
            r = obj.__reduce_ex__(4) if isinstance(obj, np.ndarray) else obj.__reduce__()
            name = getattr(r[0], '__name__', '')
            if name in ('_reconstruct', 'scalar'):
                return (getattr(mod, name),) + tuple(r[1:])
            return r
        return NotImplemented

buf = io.BytesIO()
Numpy2Names(buf, protocol=4).dump(d)
data = buf.getvalue()
assert b'numpy._core.multiarray' in data and b'numpy.core.multiarray' not in data
with open(f'{out_dir}/p4core.pkl', 'wb') as f:
    f.write(data)
print(json.dumps(canon(d)))
