// `npm run bench`: runs every bench/*.bench.ts module (or those named on the command line) and
// prints one table. Benchmarks are never assertions in tests.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { BenchModule, BenchRow } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows: BenchRow[] = [];
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  try {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
    rows.push(...(await mod.run()));
  } catch (e) {
    rows.push({ group: f, name: 'failed', value: NaN, unit: '', note: e instanceof Error ? e.message : String(e) });
  }
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : String(v));
const header = ['group', 'measure', 'value', 'unit', 'target', 'ok', 'note'];
const table = rows.map((r) => [r.group, r.name, fmt(r.value), r.unit, r.target ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO', r.note ?? '']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const t of table) console.log(line(t));
