// The Cellpose 3 model zoo: which names exist, the file each is stored under, where it is
// downloaded from and which diam_mean Cellpose gives it (ALGORITHMS.md 1.5, 1.6; GUI A.20).

export const DEFAULT_MODEL_BASE_URL = 'https://www.cellpose.org/models';

export interface ZooEntry {
  /** The name users type (`--pretrained_model cyto3`). */
  name: string;
  /** One line for `cellpose-studio models`. */
  description: string;
  /** Legacy names are downloadable but not offered first. */
  legacy?: boolean;
}

// Only CPnet segmentation models: `transformer_cp3` and `neurips_cellpose_transformer` are
// SegFormer backbones the engine cannot run, and restoration nets (denoise_*, ...) are not
// segmentation models, so neither is listed.
export const ZOO_MODELS: readonly ZooEntry[] = [
  { name: 'cyto3', description: 'Cellpose 3 generalist (cytoplasm + nuclei), the upstream default' },
  { name: 'nuclei', description: 'Cellpose nuclei model (diam_mean 17)' },
  { name: 'cyto2', description: 'Cellpose 2 cytoplasm model' },
  { name: 'cyto', description: 'Cellpose 1 cytoplasm model' },
  { name: 'cyto2_cp3', description: 'cyto3-style model trained on the cyto2 data' },
  { name: 'tissuenet_cp3', description: 'cyto3-style model trained on TissueNet' },
  { name: 'livecell_cp3', description: 'cyto3-style model trained on LIVECell' },
  { name: 'yeast_PhC_cp3', description: 'cyto3-style model for yeast, phase contrast' },
  { name: 'yeast_BF_cp3', description: 'cyto3-style model for yeast, brightfield' },
  { name: 'bact_phase_cp3', description: 'cyto3-style model for bacteria, phase contrast' },
  { name: 'bact_fluor_cp3', description: 'cyto3-style model for bacteria, fluorescence' },
  { name: 'deepbacs_cp3', description: 'cyto3-style model trained on DeepBacs' },
  { name: 'neurips_cellpose_default', description: 'NeurIPS 2022 challenge CPnet' },
  { name: 'neurips_grayscale_cyto2', description: 'NeurIPS 2022 challenge, grayscale cyto2' },
  { name: 'CPx', description: 'Cellpose CPx', legacy: true },
  { name: 'CP', description: 'legacy Cellpose model', legacy: true },
  { name: 'TN1', description: 'legacy TissueNet model 1', legacy: true },
  { name: 'TN2', description: 'legacy TissueNet model 2', legacy: true },
  { name: 'TN3', description: 'legacy TissueNet model 3', legacy: true },
  { name: 'LC1', description: 'legacy LIVECell model 1', legacy: true },
  { name: 'LC2', description: 'legacy LIVECell model 2', legacy: true },
  { name: 'LC3', description: 'legacy LIVECell model 3', legacy: true },
  { name: 'LC4', description: 'legacy LIVECell model 4', legacy: true },
];

const BY_NAME = new Map(ZOO_MODELS.map((e) => [e.name, e]));

/** The three oldest names are stored as `<type>torch_0` (v3 basename rule). */
const TORCH0_NAMES = new Set(['cyto', 'cyto2', 'nuclei']);

/** Only these four have a size model on the server (size_cyto3.npy, size_<basename>.npy). */
const SIZE_MODEL_NAMES = new Set(['cyto3', 'cyto', 'cyto2', 'nuclei']);

export function isZooName(name: string): boolean {
  return BY_NAME.has(name);
}

export function zooEntry(name: string): ZooEntry | undefined {
  return BY_NAME.get(name);
}

/** File name in the models folder and on the server: `cyto` -> `cytotorch_0`, `cyto3` -> `cyto3`. */
export function zooBasename(name: string): string {
  return TORCH0_NAMES.has(name) ? `${name}torch_0` : name;
}

/** The size-model file of a built-in name, or null when the server has none. */
export function zooSizeModelBasename(name: string): string | null {
  if (!SIZE_MODEL_NAMES.has(name)) return null;
  return `size_${zooBasename(name)}.npy`;
}

/**
 * diam_mean of a built-in model. Cellpose does not read it from the file for built-ins: it is 30,
 * or 17 for `nuclei` (and for any path ending in `nucleitorch_0`).
 */
export function zooDiamMeanPx(nameOrPath: string): number {
  return nameOrPath === 'nuclei' || nameOrPath.endsWith('nucleitorch_0') ? 17 : 30;
}

/** `<base>/<basename>`, tolerating a trailing slash on the base. */
export function zooUrl(baseUrl: string, basename: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(basename)}`;
}
