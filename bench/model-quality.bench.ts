// Quality of the bundled default model on the held-out validation images (tools/train/val_split.txt),
// scored with the app's own pipeline and Cellpose's average_precision (issue: models, AP50 >= 0.90
// and AP75 >= 0.75, mean over images). Slow (about a minute per 10 images on 2 cores).
import type { BenchRow } from './types.ts';
import { scoreValidation } from '../tools/train/score-val.ts';

export async function run(): Promise<BenchRow[]> {
  const scores = await scoreValidation({ model: 'cpsd_nuclei_v1', diameter: 'labels' });
  const rows: BenchRow[] = [];
  for (const s of scores) {
    const set = s.set.replace('dsb2018-stage1-', '');
    const note = `${s.nImages} held-out images, no diameter given (diam_labels)`;
    rows.push({ group: 'model', name: `cpsd_nuclei_v1 ${set} AP50`, value: s.ap50, unit: '', target: '>= 0.90', ok: s.ap50 >= 0.9, note });
    rows.push({ group: 'model', name: `cpsd_nuclei_v1 ${set} AP75`, value: s.ap75, unit: '', target: '>= 0.75', ok: s.ap75 >= 0.75, note });
    rows.push({ group: 'model', name: `cpsd_nuclei_v1 ${set} AP90`, value: s.ap90, unit: '', note });
  }
  return rows;
}
