// Meta test of DESIGN.md's import rules: a src/core file that imports Node built-ins, imports
// electron or touches the DOM must be rejected by the real project config (tsconfig.core.json
// and eslint.config.js), not just by convention.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..', '..');

const BAD_FILES = {
  nodeFs: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
  bareFs: "import { readFileSync } from 'fs';\nexport const r = readFileSync;\n",
  electron: "import { app } from 'electron';\nexport const a = app;\n",
  document: 'export const title = (): string => document.title;\n',
  process: 'export const env = (): unknown => process.env;\n',
  backend: "import { createBackend } from '../../backend/services/backend.ts';\nexport const b = createBackend;\n",
};
type BadName = keyof typeof BAD_FILES;

/** Type-check files under the compiler options of tsconfig.core.json, in one program (one lib
 *  parse, to keep this fast); returns the error texts per file. None of the files declares
 *  anything global, so one file's errors cannot hide or cause another's. */
function coreTypeErrors(rootNames: string[]): Map<string, string> {
  const cfgPath = path.join(repo, 'tsconfig.core.json');
  const read = ts.readConfigFile(cfgPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, repo, undefined, cfgPath);
  const program = ts.createProgram({ rootNames, options: { ...parsed.options, noEmit: true } });
  const out = new Map<string, string>(rootNames.map((f) => [f, '']));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error || !d.file || !out.has(d.file.fileName)) continue;
    out.set(d.file.fileName, out.get(d.file.fileName) + ts.flattenDiagnosticMessageText(d.messageText, '\n') + '\n');
  }
  return out;
}

describe('import rules of src/core', () => {
  let dir: string;
  const files = {} as Record<BadName, string>;
  beforeAll(() => {
    // Inside node_modules/.cache so that module resolution sees the project's packages (electron's
    // types resolve) while no project tsconfig, lint run or test glob picks the files up.
    const cacheDir = path.join(repo, 'node_modules', '.cache');
    mkdirSync(cacheDir, { recursive: true });
    dir = mkdtempSync(path.join(cacheDir, 'import-rules-'));
    for (const [name, text] of Object.entries(BAD_FILES)) {
      files[name as BadName] = path.join(dir, `${name}.ts`);
      writeFileSync(files[name as BadName], text);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tsconfig.core.json rejects node:fs, bare fs, document and process, and accepts a clean core file', () => {
    const ok = path.join(dir, 'ok.ts');
    writeFileSync(ok, "import { shapeSize } from '../../../src/core/array/ndarray.ts';\nexport const n: number = shapeSize([2, 3]);\n");
    // electron is not in this list on purpose: its types resolve from node_modules and pull in
    // Node's types (`/// <reference types="node" />`), so tsc alone does not reject it; ESLint
    // does (next test). Closing that in tsc needs a `paths` entry mapping 'electron' to a missing
    // file in tsconfig.core.json (reported to the config owner).
    const errors = coreTypeErrors([files.nodeFs, files.bareFs, files.document, files.process, ok]);
    expect(errors.get(files.nodeFs)).toMatch(/Cannot find module 'node:fs'/);
    expect(errors.get(files.bareFs)).toMatch(/Cannot find module 'fs'/);
    expect(errors.get(files.document)).toMatch(/Cannot find name 'document'/);
    expect(errors.get(files.process)).toMatch(/Cannot find name 'process'/);
    // The clean file compiles, so the failures above are about the rule and not the setup.
    expect(errors.get(ok)).toBe('');
  });

  it('ESLint (project config) reports no-restricted-imports / no-restricted-globals for each bad core file', async () => {
    const eslint = new ESLint({ cwd: repo });
    const ruleOf = async (name: BadName): Promise<string[]> => {
      const [res] = await eslint.lintText(BAD_FILES[name], { filePath: path.join(repo, 'src/core/io/virtual-bad-file.ts') });
      return res.messages.map((m) => m.ruleId ?? m.message);
    };
    expect(await ruleOf('nodeFs')).toContain('no-restricted-imports');
    expect(await ruleOf('bareFs')).toContain('no-restricted-imports');
    expect(await ruleOf('electron')).toContain('no-restricted-imports');
    expect(await ruleOf('backend')).toContain('no-restricted-imports');
    expect(await ruleOf('document')).toContain('no-restricted-globals');
    expect(await ruleOf('process')).toContain('no-restricted-globals');
    // The same electron import is fine for ESLint in src/main (only main and preload may use it).
    const [main] = await eslint.lintText(BAD_FILES.electron, { filePath: path.join(repo, 'src/main/virtual-ok.ts') });
    expect(main.messages.map((m) => m.ruleId)).not.toContain('no-restricted-imports');
  });
});
