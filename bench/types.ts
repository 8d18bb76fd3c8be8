// One row of the `npm run bench` table.
export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "<= 150 ms". */
  target?: string;
  /** Whether the target is met (undefined when there is no target). */
  ok?: boolean;
  note?: string;
}

export type BenchModule = { run: () => Promise<BenchRow[]> };
