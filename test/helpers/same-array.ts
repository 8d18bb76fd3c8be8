// Exact equality of big typed arrays: the same type, length and bytes. vitest's toEqual walks
// element by element through its generic matcher, which takes seconds on a 512^2 array.
type Typed = Float32Array | Float64Array | Int32Array | Uint16Array | Uint32Array | Uint8Array;

/** '' when a and b are the same type with the same bytes, else where they first differ. */
export function arrayDifference(a: Typed, b: Typed): string {
  if (a.constructor !== b.constructor) return `types differ: ${a.constructor.name} vs ${b.constructor.name}`;
  if (a.length !== b.length) return `lengths differ: ${a.length} vs ${b.length}`;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      const k = Math.floor(i / a.BYTES_PER_ELEMENT);
      return `first difference at ${k}: ${a[k]} vs ${b[k]}`;
    }
  }
  return '';
}
