// Flat ESLint config. The import rules of DESIGN.md are enforced here and by tsconfig.core.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

// Bare Node built-in module names. They go into `paths` (exact names), not `patterns`: a gitignore-style
// pattern such as 'util/*' would also match core's own relative imports like '../util/platform.ts'.
const nodeBuiltins = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net', 'crypto', 'url', 'stream', 'stream/promises', 'zlib', 'util', 'events', 'buffer', 'process'];
const nodePaths = (message) => nodeBuiltins.map((name) => ({ name, message }));

export default tseslint.config(
  { ignores: ['**/.cache/**', 'node_modules/**', 'out/**', 'dist/**', 'dist-web/**', 'coverage/**', 'test-results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/attribute-hyphenation': 'off',
      'vue/v-on-event-hyphenation': 'off',
    },
  },
  {
    // core: pure TS, runs anywhere. No electron, no Node built-ins, no DOM, no hosts.
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodePaths('src/core must not import Node built-ins; file access belongs in src/backend (DESIGN.md).'),
        patterns: [
          { group: ['electron', 'electron/*'], message: 'src/core must not import electron (DESIGN.md).' },
          { group: ['node:*'], message: 'src/core must not import Node built-ins; file access belongs in src/backend (DESIGN.md).' },
          { group: ['**/shared/**', '**/backend/**', '**/cli/**', '**/server/**', '**/main/**', '**/preload/**', '**/renderer/**', 'onnxruntime-node', 'onnxruntime-web', 'vue', 'pinia', 'konva'], message: 'src/core imports only src/core (DESIGN.md).' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodePaths('src/shared holds the contract only (DESIGN.md).'),
        patterns: [
          { group: ['electron', 'electron/*', 'node:*'], message: 'src/shared holds the contract only (DESIGN.md).' },
          { group: ['**/backend/**', '**/cli/**', '**/server/**', '**/main/**', '**/preload/**', '**/renderer/**'], message: 'src/shared imports only core types.' },
        ],
      }],
    },
  },
  {
    files: ['src/backend/**/*.ts', 'src/cli/**/*.ts', 'src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'backend, cli and server run under plain Node: never import electron (DESIGN.md).' },
          { group: ['**/main/**', '**/preload/**', '**/renderer/**'], message: 'backend, cli and server use core + shared only.' },
        ],
      }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodePaths('The renderer is sandboxed: no electron or Node imports.'),
        patterns: [
          { group: ['electron', 'electron/*', 'node:*'], message: 'The renderer is sandboxed: no electron or Node imports.' },
          { group: ['**/backend/**', '**/cli/**', '**/server/**', '**/main/**'], message: 'The renderer talks to the backend only through its api/.' },
        ],
      }],
    },
  },
);
