// A few composed planes kept by what they show (the image's identity, plane, view, colour mode,
// levels, invert), so that switching back to a view shows a cached bitmap instead of composing
// 16 M pixels again. Least recently used goes first; an evicted entry is handed back so its
// canvas can be reused rather than allocated.

export class PlaneCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity ${capacity} must be a positive integer`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  /** Whether `key` is cached, without making it the most recently used. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Adds (or replaces) an entry; returns the entry evicted to make room, if any. */
  set(key: string, value: V): V | undefined {
    this.entries.delete(key);
    let evicted: V | undefined;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        evicted = this.entries.get(oldest.value);
        this.entries.delete(oldest.value);
      }
    }
    this.entries.set(key, value);
    return evicted;
  }

  /** Removes the least recently used entry and returns it (to reuse its storage). */
  takeOldest(): V | undefined {
    const oldest = this.entries.keys().next();
    if (oldest.done) return undefined;
    const v = this.entries.get(oldest.value);
    this.entries.delete(oldest.value);
    return v;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** How many full planes of width x height RGBA fit a byte budget, between 1 and `max`. */
export function planesInBudget(width: number, height: number, budgetBytes: number, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(budgetBytes / Math.max(1, width * height * 4))));
}

/** A small stable number per object (arrays have no identity that survives a string key). */
const ids = new WeakMap<object, number>();
let nextId = 1;
export function identityOf(o: object | null): number {
  if (o === null) return 0;
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}
