// The renderer's Content-Security-Policy in Electron: our own scripts only, no eval, no remote
// content, no network (the backend is reached over IPC).
export function electronCsp(dev: { devServerOrigin: string } | null): string {
  // Vite's dev client needs its HMR socket; the built app needs no connections at all.
  const connect = dev ? `'self' ${dev.devServerOrigin.replace(/^http/, 'ws')}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
