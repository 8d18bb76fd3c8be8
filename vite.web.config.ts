// The browser build of the renderer (`npm run build:web` -> dist-web), served by src/server.
// Same Vue app as the Electron renderer; it talks to the backend over WebSocket instead of IPC.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: resolve(here, 'src/renderer'),
  base: './',
  plugins: [vue()],
  resolve: {
    alias: { '@renderer': resolve(here, 'src/renderer/src') },
  },
  build: {
    outDir: resolve(here, 'dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
