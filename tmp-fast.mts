// throwaway measurement: fast mode as one int8 pass vs int8 on Cellpose's tiling, against default
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCellposeModel } from './src/backend/inference/load-model.ts';
import { buildInt8Onnx } from './src/backend/inference/int8-network.ts';
import { OrtNetwork } from './src/backend/inference/ort-network.ts';
import { decodeImage } from './src/core/io/decode-image.ts';
import { averagePrecision } from './src/core/masks/average-precision.ts';
import { directDeps } from './src/core/pipeline/direct-masks.ts';
import { segment } from './src/core/pipeline/segment.ts';
const modelPath = process.argv[2];
const model = await loadCellposeModel(modelPath, { cacheDir: null });
const net = Object.assign(await OrtNetwork.create(model.onnxBytes, model.spec), { model: model.info });
const fastNet = Object.assign(await OrtNetwork.create(await buildInt8Onnx(model), model.spec), { model: model.info });
const ap50 = (a: never, b: never): number => { const v = averagePrecision([a], [b], [0.5]).ap[0][0] ?? NaN; return Number.isNaN(v) ? 1 : v; };
const cases: { file: string; d: number }[] = [];
for (const a of process.argv.slice(3)) { const [file, d] = a.split('@'); cases.push({ file, d: Number(d) }); }
if (cases.length === 0) {
  const FLUO = '/work/shared/data/dsb2018-stage1-fluorescence';
  const [h, ...rows] = readFileSync(join(FLUO, 'manifest.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const c = (n: string): number => h.indexOf(n);
  for (const r of rows) if (Number(r[c('height')]) >= 512 && Number(r[c('width')]) >= 512) cases.push({ file: join(FLUO, 'images', `${r[c('name')]}.png`), d: Number(r[c('median_diameter_px')]) });
}
const sums = { def: 0, one: 0, tiled: 0 };
const apOne: number[] = []; const apTiled: number[] = [];
for (const { file, d } of cases) {
  const image = await decodeImage(new Uint8Array(readFileSync(file)));
  const o = { diameterPx: d, channels: [0, 0] as [number, number] };
  const def = await segment(image, { ...o, fast: false }, net, directDeps);
  const one = await segment(image, { ...o, fast: true }, fastNet, directDeps);
  const tiled = await segment(image, { ...o, fast: false }, fastNet, directDeps);
  sums.def += def.timings.networkMs; sums.one += one.timings.networkMs; sums.tiled += tiled.timings.networkMs;
  apOne.push(ap50(def.masks as never, one.masks as never)); apTiled.push(ap50(def.masks as never, tiled.masks as never));
  if (cases.length < 10) console.log(`${file.split('/').pop()} @${d}: net ms default ${def.timings.networkMs.toFixed(0)} one ${one.timings.networkMs.toFixed(0)} tiled ${tiled.timings.networkMs.toFixed(0)}; AP50 one ${apOne.at(-1)!.toFixed(3)} tiled ${apTiled.at(-1)!.toFixed(3)}`);
}
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
console.log(`n=${cases.length} AP50 one-pass mean ${mean(apOne).toFixed(4)} worst ${Math.min(...apOne).toFixed(3)} (<0.98: ${apOne.filter((v) => v < 0.98).length}); tiled int8 mean ${mean(apTiled).toFixed(4)} worst ${Math.min(...apTiled).toFixed(3)} (<0.98: ${apTiled.filter((v) => v < 0.98).length})`);
console.log(`network ms: default ${sums.def.toFixed(0)} one ${sums.one.toFixed(0)} (${(sums.one / sums.def).toFixed(2)}x) tiled ${sums.tiled.toFixed(0)} (${(sums.tiled / sums.def).toFixed(2)}x)`);
await net.release(); await fastNet.release();
