import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../src/core/array/ndarray.ts';
import { readSeg } from '../../../src/core/seg/parse-seg.ts';
import { writeSeg, writeSegParts } from '../../../src/core/seg/write-seg.ts';
import { maskColors } from '../../../src/core/seg/colors.ts';
import { canon } from '../io/pickle/canon.ts';
import { numpyVersion, PY_NUMPY1, PY_NUMPY2, runPython } from '../io/pickle/python.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const FIX = sharedPath('fixtures/cellpose');
const PICKLE_DIR = new URL('../io/pickle/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'segw-'));

interface NumpyDump {
  keys: string[];
  types: Record<string, string>;
  canon: Record<string, unknown>;
}

/**
 * Load files with numpy (warnings are errors) in one Python run and describe every key of each:
 * type/dtype/shape and canonical value.
 */
function numpyLoadMany(paths: string[], python = PY_NUMPY1): NumpyDump[] {
  return JSON.parse(
    runPython(
      `
import sys, json, warnings, numpy as np
warnings.simplefilter('error')
sys.path.insert(0, ${JSON.stringify(PICKLE_DIR)})
from pycanon import canon
def t(v):
    if isinstance(v, np.ndarray): return f'ndarray {v.dtype.str} {v.shape}'
    if isinstance(v, list): return 'list[' + ','.join(t(x) for x in v) + ']'
    return type(v).__name__
out = []
for path in ${JSON.stringify(paths)}:
    d = np.load(path, allow_pickle=True).item()
    out.append({'keys': list(d.keys()), 'types': {k: t(v) for k, v in d.items() if k != 'zdraw'} | ({'zdraw': t(d['zdraw'][:2])} if 'zdraw' in d else {}), 'canon': {k: canon(v) for k, v in d.items()}})
print(json.dumps(out))
`,
      python,
    ),
  ) as NumpyDump[];
}

const CLI_KEYS = ['outlines', 'masks', 'chan_choose', 'ismanual', 'filename', 'flows', 'diameter'];
const GUI2D_KEYS = ['outlines', 'colors', 'masks', 'chan_choose', 'filename', 'flows', 'ismanual', 'manual_changes', 'model_path', 'flow_threshold', 'cellprob_threshold', 'normalize_params', 'restore', 'ratio', 'diameter'];
const GUI3D_KEYS = ['outlines', 'colors', 'masks', 'current_channel', 'filename', 'flows', 'zdraw', 'model_path', 'flow_threshold', 'cellprob_threshold', 'normalize_params', 'restore', 'ratio', 'diameter'];

describe('writeSeg output, loaded by numpy', () => {
  // Write every file first, then load them all in one numpy run (Python start-up is slow).
  const cases = (['cli2d/img2d_seg.npy', 'cli3d/stack3d_seg.npy'] as const).map((file, i) => {
    const seg = readSeg(new Uint8Array(readFileSync(`${FIX}/${file}`)));
    const cliPath = join(dir, `cli-${i}.npy`);
    const guiPath = join(dir, `gui-${i}.npy`);
    writeFileSync(cliPath, writeSeg(seg, 'cli'));
    writeFileSync(guiPath, writeSeg(seg, 'gui'));
    return { file, is3D: seg.is3D, seg, paths: [`${FIX}/${file}`, cliPath, guiPath] };
  });
  const crop = readSeg(new Uint8Array(readFileSync(`${FIX}/gui2d/crop2d_seg.npy`)));
  const noOutlinesPath = join(dir, 'no-outlines.npy');
  writeFileSync(noOutlinesPath, writeSeg({ masks: crop.masks, filename: 'crop2d.tif' }, 'cli'));
  const loaded = numpyLoadMany([...cases.flatMap((c) => c.paths), noOutlinesPath]);

  cases.forEach(({ file, is3D, seg }, i) => {
    const [original, cli, gui] = loaded.slice(3 * i, 3 * i + 3);

    it(`${file} re-saved in the CLI layout equals Cellpose's own file, key for key`, () => {
      expect(cli.keys).toEqual(CLI_KEYS);
      expect(cli.types).toEqual({ ...original.types, diameter: 'float' }); // Cellpose's CLI stored int 24
      expect(cli.canon).toEqual(original.canon);
    });

    it(`${file} saved in the GUI layout has the 3.x GUI ${is3D ? '3-D' : '2-D'} keys and keeps the float flows`, () => {
      expect(gui.keys).toEqual(is3D ? GUI3D_KEYS : GUI2D_KEYS);
      expect(gui.canon.masks).toEqual(original.canon.masks);
      expect(gui.canon.outlines).toEqual(original.canon.outlines);
      expect(gui.canon.flows).toEqual(original.canon.flows);
      expect(gui.types.colors).toBe(`ndarray |u1 (${seg.nMasks}, 3)`);
      expect(gui.types.flow_threshold).toBe('float');
      expect(gui.types.model_path).toBe('int'); // Cellpose writes 0 when no model ran
      if (is3D) expect(gui.types.zdraw).toBe('list[int16,int16]'); // numpy int16 -1 per model mask, as Cellpose
      if (is3D) expect(gui.canon.zdraw).toEqual(new Array(seg.nMasks).fill(-1));
      const back = readSeg(new Uint8Array(readFileSync(join(dir, `gui-${i}.npy`))));
      expect(back.layout).toBe('gui3');
      expect(Buffer.compare(new Uint8Array(back.colors!.data), maskColors(seg.nMasks))).toBe(0);
      expect(canon(back.flows.dP!)).toEqual(canon(seg.flows.dP!));
    });
  });

  it('computes outlines when none are given, matching the outlines Cellpose stored', () => {
    const ours = loaded[loaded.length - 1];
    expect(ours.canon.outlines).toEqual(canon(crop.outlines!));
    // no flows: the GUI's placeholder list
    expect(ours.canon.flows).toEqual([[], [], [], [], [[]]]);
  });

  it('writes u4 labels from 65535 masks on, and numpy 2 reads both layouts without warnings', () => {
    const ly = 300;
    const masks = new Uint32Array(ly * ly);
    // ids 1..67500, one pixel each, every fourth pixel background
    let k = 0;
    for (let i = 0; i < masks.length; i++) masks[i] = i % 4 === 3 ? 0 : ++k;
    const m: NdArray = { dtype: 'uint32', shape: [ly, ly], data: masks };
    const v2 = numpyVersion(PY_NUMPY2);
    const python = v2.startsWith('2.') ? PY_NUMPY2 : PY_NUMPY1;
    const paths = (['cli', 'gui'] as const).map((layout) => {
      const out = join(dir, `u4-${layout}.npy`);
      writeFileSync(out, writeSeg({ masks: m, diameter: 30 }, layout));
      return out;
    });
    for (const [i, ours] of numpyLoadMany(paths, python).entries()) {
      expect(ours.types.masks).toBe(`ndarray <u4 (${ly}, ${ly})`);
      expect(ours.types.outlines).toBe(`ndarray <u4 (${ly}, ${ly})`);
      expect(ours.canon.masks).toEqual(canon(m));
      expect(readSeg(new Uint8Array(readFileSync(paths[i]))).nMasks).toBe(k);
    }
    expect(k).toBe(67500);
  });
});

describe('writeSegParts', () => {
  it('gives the bytes of writeSeg in pieces, with the masks and the flow picture as views of the input arrays', () => {
    const seg = readSeg(new Uint8Array(readFileSync(`${FIX}/cli2d/img2d_seg.npy`)));
    for (const layout of ['cli', 'gui'] as const) {
      const parts = writeSegParts(seg, layout);
      expect(Buffer.compare(Buffer.concat(parts), writeSeg(seg, layout))).toBe(0);
      // no copy of the large arrays: some pieces share their memory with the input
      const shares = (a: ArrayBufferView): boolean => parts.some((p) => p.buffer === a.buffer && p.byteOffset === a.byteOffset);
      expect(shares(seg.masks.data as ArrayBufferView)).toBe(true);
      expect(shares(seg.flows.rgb!.data as ArrayBufferView)).toBe(true);
    }
  });
});
