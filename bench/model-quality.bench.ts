// Quality of the bundled default model on the held-out validation images (tools/train/val_split.txt),
// scored with the app's own pipeline and Cellpose's average_precision (issue: models, AP50 >= 0.90
// and AP75 >= 0.75, mean over images), beside the reference: the checkpoint Cellpose's own
// train_seg made in 19 CPU minutes (../shared/fixtures/cellpose/cp3_nuclei_dsb2018), scored the
// same way on the same images. Slow (about a minute per 60 images and mode on 2 cores).
import type { BenchRow } from './types.ts';
import { BBBC039_SUBSET, scoreValidation, type ScoreOptions } from '../tools/train/score-val.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';

const REFERENCE = sharedPath('fixtures/cellpose/cp3_nuclei_dsb2018');

/** The CLI's default --diameter, as in Cellpose 3.1. */
const CLI_DEFAULT_DIAMETER_PX = 30;

function modeNote(mode: NonNullable<ScoreOptions['diameter']>): string {
  if (typeof mode === 'number') return `diameter ${mode} px for every image${mode === CLI_DEFAULT_DIAMETER_PX ? " (the CLI's default)" : ''}`;
  return { labels: 'no diameter given (diam_labels)', size: 'diameter 0 (size model)', gt: "each image's true median diameter" }[mode];
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const runs: Array<[string, string, NonNullable<ScoreOptions['diameter']>]> = [
    ['cpsd_nuclei_v1', 'cpsd_nuclei_v1', 'labels'],
    ['cpsd_nuclei_v1', 'cpsd_nuclei_v1', 'size'],
    ['cpsd_nuclei_v1', 'cpsd_nuclei_v1', 'gt'],
    ['cpsd_nuclei_v1', 'cpsd_nuclei_v1', CLI_DEFAULT_DIAMETER_PX],
    ['Cellpose train_seg 19 min (reference)', REFERENCE, 'labels'],
    ['Cellpose train_seg 19 min (reference)', REFERENCE, 'gt'],
  ];
  for (const [name, model, diameter] of runs) {
    const ours = model === 'cpsd_nuclei_v1';
    for (const s of await scoreValidation({ model, diameter })) {
      const set = s.set.replace('dsb2018-stage1-', '');
      const note = `${s.nImages} held-out images, ${modeNote(diameter)}`;
      // the target applies to whole held-out sets; the BBBC039-screen subset is shown for information
      const target = ours && diameter === 'labels' && !s.set.endsWith(BBBC039_SUBSET);
      rows.push({ group: 'model', name: `${name} ${set} AP50`, value: s.ap50, unit: '', target: target ? '>= 0.90' : undefined, ok: target ? s.ap50 >= 0.9 : undefined, note });
      rows.push({ group: 'model', name: `${name} ${set} AP75`, value: s.ap75, unit: '', target: target ? '>= 0.75' : undefined, ok: target ? s.ap75 >= 0.75 : undefined, note });
    }
  }
  return rows;
}
