// TIFF predictors, undone in place on one decoded chunk (host byte order, rows of
// `chunkWidth * samples` values). 2 = horizontal differencing of integers (wraps modulo 2^bits,
// as the writer's subtraction did); 3 = the floating-point predictor (bytes of each row are
// split by significance, most significant first, then byte-differenced).

export function undoHorizontalDifferencing(chunk: Uint8Array, rows: number, valuesPerRow: number, samples: number, bytesPerSample: number): void {
  const n = rows * valuesPerRow;
  const buf = chunk.buffer;
  const at = chunk.byteOffset;
  if (bytesPerSample === 8) {
    // 64-bit integers: BigUint64Array stores the sum modulo 2^64, the same wrap as the writer's.
    const w = new BigUint64Array(buf, at, n);
    for (let r = 0; r < rows; r++) {
      const row = r * valuesPerRow;
      for (let i = samples; i < valuesPerRow; i++) w[row + i] += w[row + i - samples];
    }
    return;
  }
  const v =
    bytesPerSample === 1 ? new Uint8Array(buf, at, n) : bytesPerSample === 2 ? new Uint16Array(buf, at, n) : new Uint32Array(buf, at, n);
  for (let r = 0; r < rows; r++) {
    const row = r * valuesPerRow;
    for (let i = samples; i < valuesPerRow; i++) v[row + i] += v[row + i - samples];
  }
}

/** Returns the chunk in host (little-endian) order; the predictor's byte order is fixed (MSB first). */
export function undoFloatPredictor(chunk: Uint8Array, rows: number, valuesPerRow: number, samples: number, bytesPerSample: number): Uint8Array {
  const rowBytes = valuesPerRow * bytesPerSample;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const src = chunk.subarray(r * rowBytes, (r + 1) * rowBytes);
    const acc = src.slice();
    for (let i = samples; i < rowBytes; i++) acc[i] = (acc[i] + acc[i - samples]) & 0xff;
    const dst = r * rowBytes;
    for (let i = 0; i < valuesPerRow; i++) {
      for (let b = 0; b < bytesPerSample; b++) out[dst + i * bytesPerSample + (bytesPerSample - 1 - b)] = acc[b * valuesPerRow + i];
    }
  }
  return out;
}
