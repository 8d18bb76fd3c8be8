// Test helpers for the mask editor: real label images from /work/shared/data, snapshots of a
// document's full state, invariant checks, and a python3 bridge for independent reference values.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { expect } from 'vitest';
import { masksToOutlines } from '../../../src/core/masks/masks-to-outlines.ts';
import type { LabelDocument } from '../../../src/core/editing/label-document.ts';
export { rng } from '../../helpers/seeded-random.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

export const DSB_DIR = sharedPath('data/dsb2018-stage1-fluorescence/masks');
/** A 256 x 256 tile with 27 nuclei (DSB2018 stage1_train, CC0; see its PROVENANCE.md). */
export const DSB_27 = '00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552';

export function loadDsbMask(name: string): { labels: Uint16Array; shape: [number, number] } {
  const png = decode(readFileSync(`${DSB_DIR}/${name}.png`));
  if (png.channels !== 1 || !(png.data instanceof Uint16Array)) throw new Error('expected a 16-bit grey label PNG');
  return { labels: Uint16Array.from(png.data), shape: [png.height, png.width] };
}

export interface Snapshot {
  labels: Uint8Array;
  outlines: Uint8Array | null;
  meta: string;
  count: number;
}

function bytesOf(a: Uint16Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function snapshot(doc: LabelDocument): Snapshot {
  const meta = JSON.stringify(
    doc.zdrawList().map((z, k) => [doc.ismanualArray()[k], z ? Array.from(z) : null, doc.colorIndexArray()[k]]),
  );
  return { labels: bytesOf(doc.labels), outlines: doc.outlineMask ? Uint8Array.from(doc.outlineMask) : null, meta, count: doc.count };
}

export function expectSameState(a: Snapshot, b: Snapshot): void {
  expect(a.count).toBe(b.count);
  expect(Buffer.compare(Buffer.from(a.labels), Buffer.from(b.labels))).toBe(0);
  if (a.outlines && b.outlines) expect(Buffer.compare(Buffer.from(a.outlines), Buffer.from(b.outlines))).toBe(0);
  expect(a.meta).toBe(b.meta);
}

/**
 * Ids exactly 1..N, each present; area and box bookkeeping and the incremental outline image equal
 * a from-scratch computation.
 */
export function checkInvariants(doc: LabelDocument): void {
  const n = doc.count;
  const area = new Float64Array(n + 1);
  let bad = 0;
  for (let i = 0; i < doc.labels.length; i++) {
    const v = doc.labels[i];
    if (v > n) bad++;
    else area[v]++;
  }
  expect(bad).toBe(0);
  for (let id = 1; id <= n; id++) {
    if (area[id] === 0 || doc.areaOf(id) !== area[id]) throw new Error(`id ${id}: area ${area[id]}, bookkept ${doc.areaOf(id)}`);
  }
  const full = masksToOutlines(doc.labels, doc.shape);
  const out = doc.outlineMask;
  if (out) {
    let diff = 0;
    for (let i = 0; i < full.length; i++) if (full[i] !== out[i]) diff++;
    expect(diff).toBe(0);
  }
  expect(doc.ismanualArray().length).toBe(n);
}

/** A closed polygon approximating a circle, as a traced outline. */
export function circle(cx: number, cy: number, r: number, vertices = 40): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (let k = 0; k < vertices; k++) {
    const a = (2 * Math.PI * k) / vertices;
    pts.push([Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))]);
  }
  return pts;
}

/** Runs a python3 script with stdin bytes and returns stdout bytes. */
export function python(script: string, input: Uint8Array): Buffer {
  return execFileSync('python3', ['-c', script], { input, maxBuffer: 1 << 28 });
}


/** Number of pixels where `actual` differs from `expected(i)`; one assertion, not one per pixel. */
export function countMismatches(actual: ArrayLike<number>, expected: (i: number) => number): number {
  let n = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected(i)) n++;
  return n;
}
