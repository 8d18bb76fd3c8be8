// Path helpers for paths on the backend's disk (POSIX or Windows; the renderer never touches files).

/** Folder part of a path, for "last folder" (both separators: the backend may run on Windows). */
export function folderOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i <= 0 ? path.slice(0, i + 1) : path.slice(0, i);
}
