// Ground truth for renderer tests from Debian's python3 (numpy + tifffile): read a real image,
// return its pixels as raw little-endian bytes plus shape and dtype. Tests only, never the app.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

export interface PyArray {
  shape: number[];
  dtype: string;
  bytes: Uint8Array;
}

/** Run a python snippet that leaves a numpy array in `out`; return its C-order bytes. */
export function pythonArray(snippet: string): PyArray {
  const dir = mkdtempSync(join(tmpdir(), 'cps-renderer-'));
  try {
    const file = join(dir, 'out.bin');
    const meta = execFileSync(
      PYTHON,
      [
        '-c',
        `import numpy as np, tifffile, json, sys
${snippet}
out = np.ascontiguousarray(out)
out.astype(out.dtype.newbyteorder('<')).tofile(sys.argv[1])
print(json.dumps({"shape": list(out.shape), "dtype": str(out.dtype)}))`,
        file,
      ],
      { encoding: 'utf8' },
    );
    const { shape, dtype } = JSON.parse(meta) as { shape: number[]; dtype: string };
    return { shape, dtype, bytes: new Uint8Array(readFileSync(file)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function asUint16(a: PyArray): Uint16Array {
  return new Uint16Array(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength / 2);
}

export function asFloat64(a: PyArray): Float64Array {
  return new Float64Array(a.bytes.slice().buffer);
}
