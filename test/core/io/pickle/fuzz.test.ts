import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/errors.ts';
import { readNpy } from '../../../../src/core/io/npy.ts';
import { unpickle } from '../../../../src/core/io/pickle/reader.ts';
import { readSeg } from '../../../../src/core/seg/parse-seg.ts';
import { runPython } from './python.ts';
import { rng } from '../../../helpers/seeded-random.ts';

const HERE = new URL('.', import.meta.url).pathname;
const FIXTURES = new URL('../../../fixtures/pickle/', import.meta.url).pathname;


function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(r() * n);
  const kind = int(5);
  if (kind === 0) return src.slice(0, int(src.length)); // truncation
  const b = src.slice();
  if (kind === 1) {
    for (let k = 1 + int(8); k > 0; k--) b[int(b.length)] = int(256); // random bytes
    return b;
  }
  if (kind === 2) {
    // A length/size field gone huge: 4 bytes of 0xff or 0x7f somewhere.
    const at = int(b.length);
    for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = k === 3 ? 0x7f : 0xff;
    return b;
  }
  if (kind === 3) {
    const at = int(b.length);
    const len = 1 + int(16);
    const out = new Uint8Array(b.length - Math.min(len, b.length - at));
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + len), at);
    return out; // a chunk deleted
  }
  const at = int(b.length);
  const ins = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return out; // random bytes inserted
}

describe('fuzz: 10,000 truncated or mutated inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  runPython(`import runpy, sys; sys.argv = ['x', ${JSON.stringify(dir)}, 'small']; runpy.run_path(${JSON.stringify(join(HERE, 'make_pickles.py'))}, run_name='__main__')`);
  runPython(`import numpy as np; np.save(${JSON.stringify(join(dir, 'plain.npy'))}, np.asfortranarray(np.arange(60, dtype='>f4').reshape(3, 4, 5)))`);
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));
  const pickles = ['p2.pkl', 'p3.pkl', 'p4.pkl', 'p5.pkl', 'p4core.pkl'].map(read);
  const npys = [read('obj.npy'), read('plain.npy')];
  // Small _seg.npy files from numpy 1 and 2, parsed all the way to a SegFile.
  const segs = ['numpy1-seg.npy', 'numpy2-seg.npy'].map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));

  it('the pickle, npy and _seg.npy readers only ever return a value or throw FormatError, quickly', () => {
    const r = rng(20260101);
    let errors = 0;
    let values = 0;
    let slowestMs = 0;
    for (let i = 0; i < 10_000; i++) {
      const kind = i % 4; // 0: .npy, 1: _seg.npy -> SegFile, 2-3: bare pickles
      const pool = kind === 0 ? npys : kind === 1 ? segs : pickles;
      const input = mutate(pool[Math.floor(r() * pool.length)], r);
      const t0 = performance.now();
      try {
        if (kind === 0) readNpy(input);
        else if (kind === 1) readSeg(input);
        else unpickle(input);
        values++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`case ${i}: ${String(e)} is not a FormatError`);
        if (e.message.length < 10) throw new Error(`case ${i}: uninformative message '${e.message}'`);
        errors++;
      }
      slowestMs = Math.max(slowestMs, performance.now() - t0);
    }
    expect(errors + values).toBe(10_000);
    expect(errors).toBeGreaterThan(3000); // most mutations must be detected, not silently accepted
    expect(slowestMs).toBeLessThan(500);
  });
});
