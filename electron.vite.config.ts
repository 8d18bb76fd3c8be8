// `electron-vite build` -> out/main (ESM), out/preload (CommonJS: sandboxed preloads cannot be ES
// modules), out/renderer (the Vue app with a CSP meta tag, since file:// pages get no headers).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { electronCsp } from './src/main/csp.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Worker entry files, emitted next to out/main/index.js under their own base name. spawnWorker
 * (src/backend/workers/spawn.ts) turns `new URL('./x-worker.ts', import.meta.url)` into
 * out/main/x-worker.js in a build, so each worker's base name must be unique.
 */
export const WORKER_ENTRIES: Record<string, string> = Object.fromEntries(
  ['src/backend/inference/inference-worker.ts', 'src/backend/inference/gpu-probe-worker.ts', 'src/backend/dynamics/dynamics-worker.ts']
    .filter((p) => existsSync(resolve(here, p)))
    .map((p) => [p.split('/').pop()!.replace(/\.ts$/, ''), resolve(here, p)]),
);

export const MAIN_CHUNK_FILE_NAMES = '[name]-[hash].js';

function cspMetaTag(): Plugin {
  return {
    name: 'cellpose-studio-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: electronCsp(null) }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: { index: resolve(here, 'src/main/index.ts'), ...WORKER_ENTRIES },
        // Shared chunks go next to the entries, not into chunks/: code that spawns a worker by
        // `new URL('./x-worker.ts', import.meta.url)` may land in a chunk, and the URL must still
        // point at out/main/x-worker.js.
        output: { chunkFileNames: MAIN_CHUNK_FILE_NAMES },
        // onnxruntime-node loads a native addon: it must stay a runtime require, not be bundled.
        external: ['onnxruntime-node'],
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(here, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src/renderer'),
    plugins: [vue(), cspMetaTag()],
    resolve: { alias: { '@renderer': resolve(here, 'src/renderer/src') } },
    build: {
      rollupOptions: { input: resolve(here, 'src/renderer/index.html') },
    },
  },
});
