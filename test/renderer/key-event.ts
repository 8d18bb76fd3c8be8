// A keydown as keyAction sees it: the key and its modifiers (all off unless given).
export type KeyMods = Partial<{ shiftKey: boolean; ctrlKey: boolean; altKey: boolean; metaKey: boolean }>;

export const key = (k: string, mods: KeyMods = {}) => ({
  key: k,
  shiftKey: false,
  ctrlKey: false,
  altKey: false,
  metaKey: false,
  ...mods,
});
