// Durations of edit operations (ms), for the GUI benchmark and the e2e checks through the test
// hook. Each is also a performance.measure-style entry name, "cellpose:edit:<kind>".
const timings = new Map<string, number[]>();
const KEEP = 2000;

export function recordTiming(kind: string, ms: number): void {
  let list = timings.get(kind);
  if (!list) timings.set(kind, (list = []));
  list.push(ms);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
  if (typeof performance.mark === 'function') performance.mark(`cellpose:edit:${kind}`, { detail: { ms } });
}

export function editTimings(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of timings) out[k] = v.slice();
  return out;
}

export function clearEditTimings(): void {
  timings.clear();
}
