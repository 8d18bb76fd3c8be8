// Dynamics and mask extraction timings: 512^2 and 1024^2 label images tiled from real DSB2018
// masks (CC0), flows = 5 x heat-diffusion flows + noise, per stage, single thread and pool, with
// CPU time (the machine is shared: wall time includes waiting for a core), peak memory, a 3-D
// 64x512x512 run and follow_flows throughput against a measured memory bandwidth.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { availableParallelism } from 'node:os';
import { resourceUsage } from 'node:process';
import { decode } from 'fast-png';
import { computeMasksInPool, followInPool } from '../src/backend/dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../src/backend/dynamics/pool.ts';
import { prepareDynamics, finishMasks } from '../src/core/dynamics/compute-masks.ts';
import { removeBadFlowMasks } from '../src/core/dynamics/flow-errors.ts';
import { followFlows } from '../src/core/dynamics/follow-flows.ts';
import { getMasks } from '../src/core/dynamics/get-masks.ts';
import { finishFromParts, maskParts, startPointBoxes } from '../src/core/dynamics/mask-parts.ts';
import { masksToFlows } from '../src/core/dynamics/masks-to-flows.ts';
import { createDynamicsService } from '../src/backend/dynamics/service.ts';
import { averagePrecision } from '../src/core/masks/average-precision.ts';
import { FIXTURES, pyArrays } from '../test/core/masks/python-npy.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';
import { median } from './util.ts';
import type { BenchRow } from './types.ts';

const DSB = sharedPath('data/dsb2018-stage1-fluorescence');
const GROUP = 'dynamics';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 256x256 DSB tiles with 35-45 nuclei, tiled into an n x n image (labels offset per tile). */
function tiledLabels(size: number): Uint32Array {
  const manifest = readFileSync(`${DSB}/manifest.csv`, 'utf8').trim().split('\n').slice(1);
  const names = manifest
    .map((l) => l.split(','))
    .filter((c) => c[2] === '256' && c[3] === '256' && +c[6] >= 35 && +c[6] <= 45)
    .map((c) => c[0]);
  const per = size / 256;
  const out = new Uint32Array(size * size);
  let offset = 0;
  for (let t = 0; t < per * per; t++) {
    const png = decode(readFileSync(`${DSB}/masks/${names[t % names.length]}.png`));
    const d = png.data as ArrayLike<number>;
    const ty = Math.floor(t / per) * 256;
    const tx = (t % per) * 256;
    let max = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const v = d[y * 256 + x];
        if (v > 0) out[(ty + y) * size + tx + x] = v + offset;
        if (v > max) max = v;
      }
    }
    offset += max;
  }
  return out;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Wall and CPU time, and the memory a stage allocates (heap + array buffers grown, after a GC). */
function timed<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number; allocMB: number } {
  gc();
  const m0 = heapBytes();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, wallMs, cpuMs: (c.user + c.system) / 1000, allocMB: Math.max(0, heapBytes() - m0) / 2 ** 20 };
}

/** Median wall and CPU time of `reps` runs (the machine is shared: single runs are noisy). */
function timedMedian<T>(fn: () => T, reps: number): { value: T; wallMs: number; cpuMs: number; allocMB: number } {
  const runs = Array.from({ length: reps }, () => timed(fn));
  return { value: runs[0].value, wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), allocMB: runs[0].allocMB };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, wallMs: performance.now() - t0 };
}

function flowsFor(labels: Uint32Array, size: number, seed: number): { dP: Float32Array; cellprob: Float32Array } {
  const r = rng(seed);
  const mu = masksToFlows(labels, [size, size]);
  const dP = mu.map((v) => 5 * v + 0.3 * (r() - 0.5));
  const cellprob = Float32Array.from(labels, (v) => (v > 0 ? 3 : -3) + (r() - 0.5));
  return { dP, cellprob };
}

function memoryBandwidthGBs(): number {
  const n = 64 * 1024 * 1024; // 256 MB of float32
  const a = new Float32Array(n).fill(1);
  const b = new Float32Array(n);
  b.set(a); // warm
  const t0 = performance.now();
  for (let k = 0; k < 3; k++) b.set(a);
  const s = (performance.now() - t0) / 1000;
  // a copy reads and writes every byte
  return (3 * 2 * n * 4) / s / 1e9;
}

async function bench2D(size: number, pool: DynamicsPool, rows: BenchRow[], targetMs: number): Promise<void> {
  const labels = tiledLabels(size);
  const nCells = new Set(labels).size - 1;
  const { dP, cellprob } = flowsFor(labels, size, size);
  const name = `${size}^2 (${nCells} cells)`;
  const prep = timed(() => prepareDynamics(dP, cellprob, [size, size], 0, 200, 'pixel-bilinear'));
  const input = prep.value;
  if (!input) throw new Error('no foreground');
  // warm the JIT with one untimed pass of every stage, then measure
  {
    const pw = followFlows(input);
    const mw = getMasks(pw, input.inds, [size, size]);
    finishMasks(removeBadFlowMasks(mw, dP, [size, size], 0.4), [size, size], { minSize: 15 });
  }
  const reps = size >= 1024 ? 5 : 9;
  const follow = timedMedian(() => followFlows(input), reps);
  const p = follow.value;
  const cluster = timedMedian(() => getMasks(p, input.inds, [size, size]), reps);
  // the per-mask path (what the pool runs): boxes from the start points, errors + holes per mask,
  // the fill from those parts; the whole-image stages below it for comparison
  const boxes = timedMedian(() => startPointBoxes(cluster.value, input.inds, size), reps);
  const parts = timedMedian(() => maskParts(cluster.value, [size, size], boxes.value, 0, boxes.value.n, { dP }), reps);
  const errs = parts.value.errors ?? new Float64Array(0);
  const drop = new Uint8Array(boxes.value.n + 1);
  for (let l = 1; l <= boxes.value.n; l++) drop[l] = errs[l - 1] > 0.4 ? 1 : 0;
  const fillParts = timedMedian(() => finishFromParts(cluster.value, boxes.value, parts.value, drop, 15), reps);
  const qc = timedMedian(() => removeBadFlowMasks(cluster.value, dP, [size, size], 0.4), reps);
  const fill = timedMedian(() => finishMasks(qc.value, [size, size], { minSize: 15 }), reps);
  if (!fillParts.value || fillParts.value.join() !== fill.value.join()) throw new Error('fill from parts differs from finishMasks');
  const total = prep.wallMs + follow.wallMs + cluster.wallMs + boxes.wallMs + parts.wallMs + fillParts.wallMs;
  const totalCpu = prep.cpuMs + follow.cpuMs + cluster.cpuMs + boxes.cpuMs + parts.cpuMs + fillParts.cpuMs;
  const steps = input.inds.length * 200;
  const mem = (t: { allocMB: number }): string => `allocates ${t.allocMB.toFixed(1)} MB`;
  rows.push(
    { group: GROUP, name: `${name} prepare`, value: prep.wallMs, unit: 'ms', note: `cpu ${prep.cpuMs.toFixed(0)} ms; ${mem(prep)}` },
    { group: GROUP, name: `${name} follow_flows (1 thread)`, value: follow.wallMs, unit: 'ms', note: `cpu ${follow.cpuMs.toFixed(0)} ms; ${input.inds.length} px x 200 it; ${mem(follow)}` },
    { group: GROUP, name: `${name} get_masks`, value: cluster.wallMs, unit: 'ms', note: `cpu ${cluster.cpuMs.toFixed(0)} ms; ${mem(cluster)}` },
    { group: GROUP, name: `${name} mask boxes from start points`, value: boxes.wallMs, unit: 'ms', note: `cpu ${boxes.cpuMs.toFixed(1)} ms; ${mem(boxes)}` },
    { group: GROUP, name: `${name} flow QC + holes per mask (1 thread)`, value: parts.wallMs, unit: 'ms', note: `cpu ${parts.cpuMs.toFixed(0)} ms; ${boxes.value.n} masks; ${mem(parts)}` },
    { group: GROUP, name: `${name} fill + min size from parts`, value: fillParts.wallMs, unit: 'ms', note: `cpu ${fillParts.cpuMs.toFixed(1)} ms; ${mem(fillParts)}` },
    { group: GROUP, name: `${name} flow QC (whole image, for comparison)`, value: qc.wallMs, unit: 'ms', note: `cpu ${qc.cpuMs.toFixed(0)} ms; ${mem(qc)}` },
    { group: GROUP, name: `${name} fill + min size (whole image, for comparison)`, value: fill.wallMs, unit: 'ms', note: `cpu ${fill.cpuMs.toFixed(0)} ms; ${mem(fill)}` },
    { group: GROUP, name: `${name} total (1 thread, stage medians of ${reps})`, value: total, unit: 'ms', note: `cpu ${totalCpu.toFixed(0)} ms; Cellpose ${size === 1024 ? 770 : 200} ms` },
    {
      group: GROUP,
      name: `${name} follow_flows rate`,
      value: steps / (follow.cpuMs / 1000) / 1e6,
      unit: 'Mpx*it/s',
      note: 'px x niter / CPU s (points that settle stop early, so this is the effective rate)',
    },
  );
  // the pool (the app's path), warm: every worker must have compiled every task type
  for (let k = 0; k < 2 * pool.size; k++) await computeMasksInPool(pool, dP, cellprob, [size, size], { niter: 200 });
  const pooledRuns: number[] = [];
  let pooledValue: Uint16Array | Uint32Array = new Uint16Array(0);
  for (let k = 0; k < 5; k++) {
    const r = await timedAsync(() => computeMasksInPool(pool, dP, cellprob, [size, size], { niter: 200 }));
    pooledRuns.push(r.wallMs);
    pooledValue = r.value;
  }
  const pooled = { wallMs: median(pooledRuns), value: pooledValue };
  const fp = await timedAsync(() => followInPool(pool, input));
  const ap = averagePrecision([labels], [pooled.value], [0.5]).ap[0][0];
  rows.push(
    { group: GROUP, name: `${name} follow_flows (pool of ${pool.size})`, value: fp.wallMs, unit: 'ms' },
    {
      group: GROUP,
      name: `${name} total (pool of ${pool.size}, QC incl.)`,
      value: pooled.wallMs,
      unit: 'ms',
      target: `<= ${targetMs} ms`,
      ok: pooled.wallMs <= targetMs,
      note: `median of 5; AP50 vs tiled truth ${ap.toFixed(3)}`,
    },
  );
}

/**
 * Re-threshold latency of the backend dynamics service (what recomputeMasks runs) on 1024^2: real
 * Cellpose 3.1 flows (cli2d fixture, 512^2) tiled 2x2, slider steps of cellprob_threshold (0.1)
 * and flow_threshold (0.05) after a first full compute.
 */
async function benchRethreshold(pool: DynamicsPool, rows: BenchRow[]): Promise<void> {
  const [f] = pyArrays([`np.tile(seg('${FIXTURES}/cli2d/img2d_seg.npy')['flows'][4], (1, 2, 2))`], 'float32');
  const flows = new Float32Array(f.bytes.buffer);
  const [, ly, lx] = f.shape;
  const plane = ly * lx;
  const svc = createDynamicsService({ pool });
  svc.putFlows('bench', flows.slice(0, 2 * plane), flows.slice(2 * plane), [ly, lx]);
  const params = { niter: 282, minSize: 15 };
  const cpuMs = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  // what segment-service runs in the background once a segmentation has returned
  let c0 = cpuMs();
  const t0 = performance.now();
  await svc.warm('bench', { ...params, cellprobThreshold: 0, flowThreshold: 0.4 });
  const warmMs = performance.now() - t0;
  const warmCpu = cpuMs() - c0;
  const first = await svc.compute('bench', { ...params, cellprobThreshold: 0, flowThreshold: 0.4 });
  const cellprobMs: number[] = [];
  const cellprobCpu: number[] = [];
  const integrated: number[] = [];
  for (let k = 1; k <= 6; k++) {
    c0 = cpuMs();
    const r = await svc.compute('bench', { ...params, cellprobThreshold: k / 10, flowThreshold: 0.4 });
    cellprobCpu.push(cpuMs() - c0);
    cellprobMs.push(r.elapsedMs);
    integrated.push(r.integratedPoints);
  }
  const flowMs: number[] = [];
  const flowCpu: number[] = [];
  for (let k = 1; k <= 6; k++) {
    c0 = cpuMs();
    flowMs.push((await svc.compute('bench', { ...params, cellprobThreshold: 0.6, flowThreshold: 0.4 + k / 20 })).elapsedMs);
    flowCpu.push(cpuMs() - c0);
  }
  await svc.close();
  // without the warm-up: the first re-threshold integrates every point, tracked
  const cold = createDynamicsService({ pool });
  cold.putFlows('cold', flows.slice(0, 2 * plane), flows.slice(2 * plane), [ly, lx]);
  const coldFirst = await cold.compute('cold', { ...params, cellprobThreshold: 0.1, flowThreshold: 0.4 });
  await cold.close();
  const cp = median(cellprobMs);
  const fl = median(flowMs);
  rows.push(
    { group: GROUP, name: `re-threshold ${ly}x${lx} background warm-up after segmentation`, value: warmMs, unit: 'ms', note: `cpu ${warmCpu.toFixed(0)} ms (all threads); tracked integration + labels + errors + holes` },
    { group: GROUP, name: `re-threshold ${ly}x${lx} first compute after the warm-up`, value: first.elapsedMs, unit: 'ms', note: `stages ${first.stages.join(', ')}` },
    { group: GROUP, name: `re-threshold ${ly}x${lx} first compute without warm-up`, value: coldFirst.elapsedMs, unit: 'ms', note: `${coldFirst.integratedPoints} points integrated (tracked)` },
    {
      group: GROUP,
      name: `re-threshold ${ly}x${lx} cellprob step 0.1 (pool)`,
      value: cp,
      unit: 'ms',
      target: '<= 150 ms',
      ok: cp <= 150,
      note: `median of 6; cpu ${median(cellprobCpu).toFixed(0)} ms (all threads); ${median(integrated).toFixed(0)} of ${coldFirst.integratedPoints} points re-integrated (median)`,
    },
    {
      group: GROUP,
      name: `re-threshold ${ly}x${lx} flow_threshold step (pool)`,
      value: fl,
      unit: 'ms',
      target: '<= 150 ms',
      ok: fl <= 150,
      note: `median of 6; cpu ${median(flowCpu).toFixed(0)} ms (all threads); cached labels, errors, holes: one fill pass`,
    },
  );
}

async function bench3D(pool: DynamicsPool, rows: BenchRow[]): Promise<void> {
  const [lz, ly, lx] = [64, 512, 512];
  const vol = lz * ly * lx;
  // synthetic network-like output: balls of radius 7 on a grid, flows pointing to their centres
  // (two unit components per axis, as summed 3-D views), cellprob +-3
  const dP = new Float32Array(3 * vol);
  const cellprob = new Float32Array(vol).fill(-3);
  const r = 7;
  let cells = 0;
  for (let cz = 10; cz < lz - 8; cz += 16) {
    for (let cy = 10; cy < ly - 8; cy += 18) {
      for (let cx = 10; cx < lx - 8; cx += 18) {
        cells++;
        for (let z = cz - r; z <= cz + r; z++) {
          for (let y = cy - r; y <= cy + r; y++) {
            for (let x = cx - r; x <= cx + r; x++) {
              const d2 = (z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2;
              if (d2 > r * r) continue;
              const i = (z * ly + y) * lx + x;
              const d = Math.sqrt(d2) + 1e-6;
              cellprob[i] = 3;
              dP[i] = (10 * (cz - z)) / d;
              dP[vol + i] = (10 * (cy - y)) / d;
              dP[2 * vol + i] = (10 * (cx - x)) / d;
            }
          }
        }
      }
    }
  }
  const rss0 = process.memoryUsage().rss;
  const run = await timedAsync(() => computeMasksInPool(pool, dP, cellprob, [lz, ly, lx], { niter: 200 }));
  let n = 0;
  for (let i = 0; i < run.value.length; i++) if (run.value[i] > n) n = run.value[i];
  const peakMB = resourceUsage().maxRSS / 1024;
  rows.push(
    { group: GROUP, name: `3-D 64x512x512 (${cells} balls) total (pool)`, value: run.wallMs / 1000, unit: 's', note: `${n} masks found` },
    { group: GROUP, name: '3-D 64x512x512 peak RSS (main process)', value: peakMB, unit: 'MB', target: '<= 4096 MB', ok: peakMB <= 4096, note: `rss before ${(rss0 / 2 ** 20).toFixed(0)} MB; workers share the field` },
  );
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const load = (await import('node:os')).loadavg()[0];
  rows.push({ group: GROUP, name: 'machine load average (1 min)', value: load, unit: '', note: `${availableParallelism()} cores; wall times include waiting for a core` });
  const pool = new DynamicsPool(availableParallelism());
  try {
    const bw = memoryBandwidthGBs();
    rows.push({ group: GROUP, name: 'memory bandwidth (Float32Array copy)', value: bw, unit: 'GB/s', note: 'read + write bytes / s' });
    await bench2D(512, pool, rows, 70);
    await bench2D(1024, pool, rows, 260);
    const follow = rows.find((r) => r.name.startsWith('1024') && r.name.endsWith('rate'));
    if (follow) {
      // each step reads 4 neighbours x 2 channels (32 B) from the field, mostly from cache
      rows.push({ group: GROUP, name: 'follow_flows field bytes / bandwidth', value: (follow.value * 1e6 * 32) / (bw * 1e9), unit: 'x', note: '> 1 means compute-bound reuse from cache' });
    }
    await benchRethreshold(pool, rows);
    // DYN_BENCH_3D=0 skips the (minutes-long) 3-D run
    if (process.env.DYN_BENCH_3D !== '0') await bench3D(pool, rows);
    rows.push({ group: GROUP, name: 'peak RSS (main process)', value: resourceUsage().maxRSS / 1024, unit: 'MB' });
  } finally {
    await pool.close();
  }
  return rows;
}
