import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../../src/core/array/ndarray.ts';
import { FormatError } from '../../../../src/core/errors.ts';
import { describeCellposeCheckpoint, readTorchStateDict, readTorchStateDictHeaders } from '../../../../src/core/io/torch-checkpoint.ts';
import { describeCpnet } from '../../../../src/core/model/cpnet-spec.ts';
import { runPython } from '../pickle/python.ts';
import { sharedPath } from '../../../helpers/shared-data.ts';

const CKPT = sharedPath('fixtures/cellpose/cp3_nuclei_dsb2018');

function sha(a: NdArray): string {
  return createHash('sha256').update(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)).digest('hex');
}

describe('readTorchStateDict on the real Cellpose 3 checkpoint', () => {
  const ours = readTorchStateDict(new Uint8Array(readFileSync(CKPT)));
  // torch's view: name, shape, dtype and a hash of the contiguous little-endian bytes.
  const theirs = runPython(`
import torch, hashlib
sd = torch.load(${JSON.stringify(CKPT)}, map_location='cpu')
for k, v in sd.items():
    v = v.contiguous()
    print(k, ','.join(map(str, v.shape)), str(v.dtype), hashlib.sha256(v.numpy().tobytes()).hexdigest(), float(v.flatten()[0]))
`)
    .trim()
    .split('\n')
    .map((l) => l.split(' '));

  it('has the 313 keys of Appendix A in state_dict order', () => {
    expect(ours.keys.length).toBe(313);
    expect(ours.keys).toEqual(theirs.map((r) => r[0]));
  });

  it('matches torch for every tensor: shape, dtype and bytes', () => {
    for (const [k, shape, dtype, hash] of theirs) {
      const t = ours.tensors.get(k)!;
      expect(t.shape.join(','), k).toBe(shape);
      expect(t.dtype, k).toBe(dtype === 'torch.float32' ? 'float32' : dtype === 'torch.int64' ? 'int64' : dtype);
      expect(sha(t), k).toBe(hash);
    }
  });

  it('describes it as a CPnet with nbase [2,32,64,128,256], nout 3, diam_mean 17', () => {
    const info = describeCellposeCheckpoint(ours.tensors);
    expect(info.nchan).toBe(2);
    expect(info.nout).toBe(3);
    expect(info.nbase).toEqual([2, 32, 64, 128, 256]);
    expect(info.diamMean).toBe(17);
    const dl = Number(theirs.find((r) => r[0] === 'diam_labels')![4]);
    expect(info.diamLabels).toBe(Math.fround(dl));
  });

  it('reads the same shapes, dtypes and diameters from the headers alone, without the weights', () => {
    const headers = readTorchStateDictHeaders(new Uint8Array(readFileSync(CKPT)));
    expect([...headers.keys()]).toEqual(ours.keys);
    for (const [k, t] of ours.tensors) {
      const h = headers.get(k)!;
      expect(h.shape, k).toEqual(t.shape);
      expect(h.dtype, k).toBe(t.dtype);
      // only the scalars (diam_mean, diam_labels, num_batches_tracked) carry values
      const values = (a: ArrayLike<number | bigint>): number[] => Array.from(a, (v) => Number(v));
      if (t.data.length <= 16) expect(values(h.data!), k).toEqual(values(t.data));
      else expect(h.data, k).toBeUndefined();
    }
    expect(describeCellposeCheckpoint(headers)).toEqual(describeCellposeCheckpoint(ours.tensors));
    expect(describeCpnet(headers)).toEqual(describeCpnet(ours.tensors));
  });

  it('names the missing key of a damaged dict and refuses Cellpose-SAM files', () => {
    const damaged = new Map(ours.tensors);
    damaged.delete('output.2.weight');
    expect(() => describeCellposeCheckpoint(damaged)).toThrow("state_dict has no 'output.2.weight'");
    const sam = new Map(ours.tensors);
    sam.set('W2', ours.tensors.get('diam_mean')!);
    expect(() => describeCellposeCheckpoint(sam)).toThrow('Cellpose-SAM (v4) checkpoint, not supported');
  });
});

/** True when the full read refuses the file. */
function refusedByFull(b: Uint8Array): boolean {
  try {
    readTorchStateDict(b);
    return false;
  } catch {
    return true;
  }
}

describe('readTorchStateDict on synthetic torch files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchckpt-'));
  const out = runPython(`
import torch, collections
torch.manual_seed(0)
base = torch.randn(6, 5)
sd = collections.OrderedDict()
sd['half'] = torch.randn(3, 4).half()
sd['bf16'] = torch.randn(7).bfloat16()
sd['transposed'] = base.t()            # non-contiguous strides
sd['slice'] = base[2:4]                # storage offset into a shared storage
sd['same'] = base                      # shares the storage with the two above
sd['long'] = torch.arange(-3, 3, dtype=torch.int64).reshape(2, 3)
sd['int'] = torch.tensor([1, -2, 3], dtype=torch.int32)
sd['u8'] = torch.tensor([0, 255, 7], dtype=torch.uint8)
sd['scalar'] = torch.tensor(2.5)
torch.save(sd, ${JSON.stringify(join(dir, 'new.pt'))})
torch.save(sd, ${JSON.stringify(join(dir, 'legacy.pt'))}, _use_new_zipfile_serialization=False)
for k, v in sd.items():
    print(k, ' '.join(repr(float(x)) for x in v.float().flatten().tolist()))
`);
  const expected = new Map(out.trim().split('\n').map((l) => {
    const [k, ...vals] = l.split(' ');
    return [k, vals.map(Number)] as const;
  }));

  it('decodes half, bfloat16, strided, offset and integer tensors like torch', () => {
    const sd = readTorchStateDict(new Uint8Array(readFileSync(join(dir, 'new.pt'))));
    expect(sd.keys).toEqual([...expected.keys()]);
    for (const [k, vals] of expected) {
      const t = sd.tensors.get(k)!;
      const got = Array.from(t.data as ArrayLike<number | bigint>, Number);
      expect(got, k).toEqual(vals);
    }
    expect(sd.tensors.get('half')!.dtype).toBe('float32');
    expect(sd.tensors.get('transposed')!.shape).toEqual([5, 6]);
    expect(sd.tensors.get('long')!.dtype).toBe('int64');
    expect(sd.tensors.get('scalar')!.shape).toEqual([]);
  });

  it('refuses a legacy (non-zip) torch file with a clear message', () => {
    expect(() => readTorchStateDict(new Uint8Array(readFileSync(join(dir, 'legacy.pt'))))).toThrow(/legacy \(pre-1\.6, non-zip\)/);
  });

  it('only ever returns a state dict or throws FormatError on 2,000 mutated or truncated files', () => {
    const full = new Uint8Array(readFileSync(join(dir, 'new.pt')));
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return Math.floor((seed / 0x80000000) * n);
    };
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      let b = full.slice();
      if (i % 4 === 0) b = b.subarray(0, rnd(b.length));
      else for (let k = 1 + rnd(4); k > 0; k--) b[rnd(b.length)] = rnd(256);
      try {
        readTorchStateDict(b);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`case ${i}: ${String(e)}`);
        refused++;
      }
      // the headers alone never accept less: a file the full read refuses for its structure
      // (a truncated ZIP, a short storage) is refused by the header read as well, and neither
      // throws anything but FormatError
      try {
        readTorchStateDictHeaders(b);
        if (i % 4 === 0 && refusedByFull(b)) throw new Error(`case ${i}: headers accepted a truncated file the full read refused`);
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`case ${i} (headers): ${String(e)}`);
      }
    }
    expect(refused).toBeGreaterThanOrEqual(500); // at least every truncation (one case in four) is refused
  });

  it('gives a clear error for a truncated checkpoint', () => {
    const full = new Uint8Array(readFileSync(join(dir, 'new.pt')));
    expect(() => readTorchStateDict(full.subarray(0, full.length - 30))).toThrow(/zip:/);
    expect(() => readTorchStateDictHeaders(full.subarray(0, full.length - 30))).toThrow(/zip:/);
    expect(() => readTorchStateDict(new Uint8Array([1, 2, 3]))).toThrow('not a PyTorch checkpoint');
  });
});
