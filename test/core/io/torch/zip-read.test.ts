import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/errors.ts';
import { readZipEntries, readZipEntry } from '../../../../src/core/io/zip-read.ts';
import { runPython } from '../pickle/python.ts';

describe('readZipEntries / readZipEntry on archives Python writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zipread-'));
  const path = join(dir, 'a.zip');
  // Stored and deflated entries, one with a zip64 local header (force_zip64), a UTF-8 name, an empty file.
  const listing = JSON.parse(
    runPython(`
import zipfile, hashlib, json, random
random.seed(1)
payloads = {'stored.bin': bytes(random.randrange(256) for _ in range(5000)), 'deflated.txt': b'cellpose ' * 3000,
            'dir/\\u00e9t\\u00e9.txt': 'caf\\u00e9'.encode(), 'zip64.bin': bytes(range(256)) * 40, 'empty': b''}
with zipfile.ZipFile(${JSON.stringify(path)}, 'w') as z:
    for name, data in payloads.items():
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED if name.startswith('deflated') else zipfile.ZIP_STORED
        with z.open(info, 'w', force_zip64=name == 'zip64.bin') as f:
            f.write(data)
print(json.dumps([[n, len(d), hashlib.sha256(d).hexdigest()] for n, d in payloads.items()]))
`),
  ) as [string, number, string][];

  it('lists every entry and returns its exact bytes', async () => {
    const { createHash } = await import('node:crypto');
    const bytes = new Uint8Array(readFileSync(path));
    const entries = readZipEntries(bytes);
    expect(entries.map((e) => e.name)).toEqual(listing.map((l) => l[0]));
    expect(entries.find((e) => e.name === 'deflated.txt')!.method).toBe(8);
    for (const [name, size, hash] of listing) {
      const data = readZipEntry(bytes, entries.find((e) => e.name === name)!);
      expect(data.length, name).toBe(size);
      expect(createHash('sha256').update(data).digest('hex'), name).toBe(hash);
    }
  });

  it('reports truncation and corruption as FormatError', () => {
    const bytes = new Uint8Array(readFileSync(path));
    expect(() => readZipEntries(bytes.subarray(0, bytes.length - 10))).toThrow(FormatError);
    const entries = readZipEntries(bytes);
    const bad = bytes.slice();
    const e = entries.find((x) => x.name === 'deflated.txt')!;
    bad.fill(0xff, e.localHeaderOffset + 40, e.localHeaderOffset + 80);
    expect(() => readZipEntry(bad, e)).toThrow(/cannot inflate 'deflated\.txt'|inflates to/);
  });
});
