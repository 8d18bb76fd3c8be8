// IPC sender checks: only the top frame of our own window, showing our own page, may call the
// backend. A page that somehow navigated elsewhere, or an iframe, is refused (Electron security
// checklist, "validate the sender of all IPC messages").

/** The page our window loads: the built index.html (file:) or, in dev, the Vite server. */
export interface RendererLocation {
  /** file:///.../out/renderer/index.html, or the dev server URL. */
  url: string;
}

/** True when `frameUrl` is our renderer: the same file, or (dev) the same http origin. */
export function isOurRendererUrl(frameUrl: string, renderer: RendererLocation): boolean {
  let frame: URL;
  let ours: URL;
  try {
    frame = new URL(frameUrl);
    ours = new URL(renderer.url);
  } catch {
    return false;
  }
  if (ours.protocol === 'file:') return frame.protocol === 'file:' && frame.pathname === ours.pathname;
  if (ours.protocol === 'http:' || ours.protocol === 'https:') return frame.origin === ours.origin;
  return false;
}

/** The parts of an IPC event the check needs (a subset of Electron's IpcMainInvokeEvent). */
export interface SenderInfo {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export function isTrustedSender(event: SenderInfo, ownWebContentsIds: ReadonlySet<number>, renderer: RendererLocation): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!ownWebContentsIds.has(event.sender.id)) return false;
  return isOurRendererUrl(frame.url, renderer);
}
