// `cellpose-studio masks`: Cellpose's mask extraction on saved network outputs (.npy flows), no
// network. Useful to re-threshold flows from Cellpose itself or from `segment --save_flows`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { computeMasksInPool } from '../../backend/dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../../backend/dynamics/pool.ts';
import { writeFileAtomic } from '../../backend/io/atomic-write.ts';
import { toFloat32, type NdArray } from '../../core/array/ndarray.ts';
import { finishMasks } from '../../core/dynamics/compute-masks.ts';
import { isDynamicsProfile, type DynamicsProfile } from '../../core/dynamics/profiles.ts';
import { stitch3D } from '../../core/dynamics/stitch3d.ts';
import { withSource } from '../../core/errors.ts';
import { readNpy } from '../../core/io/npy.ts';
import { encodePng16 } from '../../core/io/png-write.ts';
import { encodeTiff } from '../../core/io/tiff-write.ts';
import { writeNpy } from '../../core/io/npy.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio masks --dP F.npy [--cellprob F.npy] --out masks.tif|.png|.npy [options]

Masks from saved Cellpose flows (float32 .npy, Cellpose's axis order), without the network.
  --dP F.npy                 (2,Ly,Lx) dY,dX; (3,Lz,Ly,Lx) dZ,dY,dX for 3-D; (2,Lz,Ly,Lx) per-plane 2-D;
                             or, without --cellprob, a stacked (3,Ly,Lx) dY,dX,cellprob
  --cellprob F.npy           (Ly,Lx) or (Lz,Ly,Lx) cell-probability logits
  --out FILE                 .tif, .png (2-D, < 65536 masks) or .npy; uint16 (uint32 above 65535 masks)
  --flow_threshold X         flow-error QC, 2-D only (default 0.4; 0 = off)
  --cellprob_threshold X     foreground is cellprob > X (default 0)
  --min_size N               smallest mask in pixels/voxels (default 15; <= 0 keeps all)
  --niter N                  Euler steps (default 200)
  --do_3D                    3-D dynamics on (3,Lz,Ly,Lx) flows (implied by such a dP)
  --stitch_threshold T       per-plane 2-D masks stitched into 3-D by IoU >= T
  --dynamics P               v3-cpu (default, Cellpose 3 on CPU), v3-gpu, or v4
  --max_size_fraction X      masks larger than this fraction of the image are removed (default 0.4)
  --v31_small_masks          Cellpose 3.1's min_size removal (it can drop the wrong masks after the
                             flow QC; the default is the fixed rule of Cellpose 4.0.8+), as in segment`;

interface MasksArgs {
  dP: string;
  cellprob?: string;
  out: string;
  flowThreshold: number;
  cellprobThreshold: number;
  minSize: number;
  niter: number;
  do3D: boolean;
  stitchThreshold: number;
  profile: DynamicsProfile;
  maxSizeFraction: number;
  legacyV31MinSize: boolean;
}

function num(flag: string, v: string | undefined): number {
  if (v === undefined) throw new Error(`${flag} needs a value`);
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${flag} must be a number, got '${v}'`);
  return n;
}

function parseArgs(argv: string[]): MasksArgs {
  const a: Partial<MasksArgs> = {};
  const r: MasksArgs = {
    dP: '',
    out: '',
    flowThreshold: 0.4,
    cellprobThreshold: 0,
    minSize: 15,
    niter: 200,
    do3D: false,
    stitchThreshold: 0,
    profile: 'v3-cpu',
    maxSizeFraction: 0.4,
    legacyV31MinSize: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split('=', 2) : [argv[i], undefined];
    const val = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--dP':
        a.dP = val();
        break;
      case '--cellprob':
        a.cellprob = val();
        break;
      case '--out':
        a.out = val();
        break;
      case '--flow_threshold':
        r.flowThreshold = num(flag, val());
        break;
      case '--cellprob_threshold':
        r.cellprobThreshold = num(flag, val());
        break;
      case '--min_size':
        r.minSize = num(flag, val());
        break;
      case '--niter': {
        const n = num(flag, val());
        if (n < 0 || n > 1e6) throw new Error(`--niter must be between 0 and 1e6, got ${n}`);
        r.niter = n > 0 ? n : 200;
        break;
      }
      case '--do_3D':
        r.do3D = true;
        break;
      case '--stitch_threshold':
        r.stitchThreshold = num(flag, val());
        break;
      case '--v31_small_masks':
        r.legacyV31MinSize = true;
        break;
      case '--max_size_fraction':
        r.maxSizeFraction = num(flag, val());
        break;
      case '--dynamics': {
        const p = val() ?? '';
        if (!isDynamicsProfile(p)) throw new Error(`--dynamics must be v3-cpu, v3-gpu or v4, got '${p}'`);
        r.profile = p;
        break;
      }
      default:
        throw new Error(`unknown option '${flag}'`);
    }
  }
  if (!a.dP) throw new Error('--dP is required');
  if (!a.out) throw new Error('--out is required');
  if (!['.tif', '.tiff', '.png', '.npy'].includes(extname(a.out).toLowerCase())) throw new Error(`--out must end in .tif, .png or .npy, got '${a.out}'`);
  return { ...r, dP: a.dP, cellprob: a.cellprob, out: a.out };
}

async function readFloatNpy(path: string): Promise<NdArray<'float32'>> {
  const bytes = new Uint8Array(await readFile(path));
  return withSource(path, () => {
    const a: unknown = readNpy(bytes);
    if (typeof a !== 'object' || a === null || !('dtype' in a) || !('shape' in a) || !('data' in a)) {
      throw new Error('expected a numeric .npy array, found a pickled object');
    }
    const nd = a as NdArray;
    // float16 is widened to float32 by readNpy
    if (nd.dtype !== 'float32' && nd.dtype !== 'float64') throw new Error(`expected float32 flows, got ${nd.dtype}`);
    const f = nd.dtype === 'float32' ? (nd as NdArray<'float32'>) : toFloat32(nd);
    for (let i = 0; i < f.data.length; i++) {
      if (Number.isNaN(f.data[i])) throw new Error(`contains NaN (first at flat index ${i})`);
    }
    return f;
  });
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  const t0 = performance.now();
  const dPArr = await readFloatNpy(args.dP);
  let dP: Float32Array;
  let cellprob: Float32Array;
  let spatial: number[];
  if (args.cellprob) {
    const cp = await readFloatNpy(args.cellprob);
    spatial = [...cp.shape];
    if (dPArr.shape.length !== spatial.length + 1 || !same(dPArr.shape.slice(1), spatial)) {
      throw new Error(`dP shape [${dPArr.shape.join(', ')}] does not match cellprob shape [${spatial.join(', ')}]`);
    }
    dP = dPArr.data;
    cellprob = cp.data;
  } else {
    // stacked [dY, dX, cellprob] (3, Ly, Lx) or [dZ, dY, dX, cellprob] (4, Lz, Ly, Lx)
    const s = dPArr.shape;
    if (!((s.length === 3 && s[0] === 3) || (s.length === 4 && s[0] === 4))) {
      throw new Error(`without --cellprob, --dP must be a stacked (3,Ly,Lx) or (4,Lz,Ly,Lx) array, got [${s.join(', ')}]`);
    }
    spatial = s.slice(1);
    let vol = 1;
    for (const d of spatial) vol *= d;
    dP = dPArr.data.subarray(0, (s[0] - 1) * vol);
    cellprob = dPArr.data.subarray((s[0] - 1) * vol);
  }
  const nComp = dP.length / cellprob.length;
  if (spatial.length !== 2 && spatial.length !== 3) throw new Error(`flows must be 2-D or 3-D, got spatial shape [${spatial.join(', ')}]`);
  const opts = {
    niter: args.niter,
    cellprobThreshold: args.cellprobThreshold,
    flowThreshold: args.flowThreshold,
    maxSizeFraction: args.maxSizeFraction,
    profile: args.profile,
    legacyV31MinSize: args.legacyV31MinSize,
  };
  const pool = new DynamicsPool();
  let masks: Uint16Array | Uint32Array;
  try {
    if (spatial.length === 2) {
      if (nComp !== 2) throw new Error(`2-D flows need dP (2, Ly, Lx), got ${nComp} components`);
      masks = await computeMasksInPool(pool, dP, cellprob, spatial, { ...opts, minSize: args.minSize }, { onProgress: io.progress });
    } else if (nComp === 3) {
      if (args.stitchThreshold > 0) throw new Error('--stitch_threshold needs per-plane 2-D flows (2, Lz, Ly, Lx), not 3-D flows');
      masks = await computeMasksInPool(pool, dP, cellprob, spatial, { ...opts, minSize: args.minSize }, { onProgress: io.progress });
    } else if (nComp === 2) {
      // a stack of 2-D planes: masks per plane, stitched when asked (6.4)
      const [lz, ly, lx] = spatial;
      const plane = ly * lx;
      const stack = new Uint32Array(lz * plane);
      const planeDP = new Float32Array(2 * plane);
      for (let z = 0; z < lz; z++) {
        planeDP.set(dP.subarray(z * plane, (z + 1) * plane), 0);
        planeDP.set(dP.subarray(lz * plane + z * plane, lz * plane + (z + 1) * plane), plane);
        // stitching mode: holes filled per plane, min size applied to the stitched volume
        const m = await computeMasksInPool(pool, planeDP, cellprob.subarray(z * plane, (z + 1) * plane), [ly, lx], {
          ...opts,
          minSize: args.stitchThreshold > 0 ? -1 : args.minSize,
        });
        stack.set(m, z * plane);
        io.progress((z + 1) / lz, 'planes');
      }
      masks = args.stitchThreshold > 0 ? finishMasks(stitch3D(stack, [lz, ly, lx], args.stitchThreshold), spatial, { minSize: args.minSize, legacyV31MinSize: args.legacyV31MinSize }) : toMask(stack);
    } else {
      throw new Error(`3-D flows need dP (3, Lz, Ly, Lx) (or (2, Lz, Ly, Lx) per plane), got ${nComp} components`);
    }
  } finally {
    await pool.close();
  }
  let nMasks = 0;
  for (let i = 0; i < masks.length; i++) if (masks[i] > nMasks) nMasks = masks[i];
  await writeFileAtomic(args.out, encodeMasks(masks, spatial, args.out));
  io.out(`${args.out}: ${nMasks} masks, shape [${spatial.join(', ')}], ${masks instanceof Uint16Array ? 'uint16' : 'uint32'}, ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return 0;
}

function toMask(a: Uint32Array): Uint16Array | Uint32Array {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m < 65536 ? Uint16Array.from(a) : a;
}

function encodeMasks(masks: Uint16Array | Uint32Array, shape: number[], out: string): Uint8Array {
  const arr: NdArray = masks instanceof Uint16Array ? { data: masks, shape, dtype: 'uint16' } : { data: masks, shape, dtype: 'uint32' };
  const ext = extname(out).toLowerCase();
  if (ext === '.npy') return writeNpy(arr);
  if (ext === '.png') {
    if (shape.length !== 2) throw new Error('PNG output holds 2-D masks only; use .tif or .npy for 3-D');
    if (arr.dtype !== 'uint16') throw new Error('more than 65535 masks do not fit a 16-bit PNG; use .tif or .npy');
    return encodePng16(arr);
  }
  return encodeTiff(arr, { compression: 'deflate' });
}

export const masksCommand: CliCommand = {
  name: 'masks',
  summary: 'masks from saved flows (.npy dP + cellprob), no network',
  usage: USAGE,
  run,
};
