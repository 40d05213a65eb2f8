// Request and response types of the studio's JSON API, shared by the server (src/studio/server) and the
// web app (src/studio/web): one definition each. Imports only type-only, node-free modules, so the web
// app's tsconfig (no node types) checks them and Vite can bundle it.
import type { InterpolationMethod } from '../../latent/paths.js';
import type { Architecture, LayerRow, NoiseMode, Provenance } from '../../models/modelTypes.js';

export type { Architecture, LayerRow, NoiseMode, Provenance };

/** What the model picker shows (GET /api/models): the manifest's facts, no weights. */
export interface ModelSummary {
  name: string;
  architecture: Architecture;
  resolution: number;
  channels: number;
  zDim: number;
  wDim: number | null;
  numWs: number | null;
  cDim: number;
  labels?: string[];
  /** Synthesis layers (StyleGAN2/3): name, kind, resolution and ws row, for layer-range selectors. */
  layers: LayerRow[];
  contentHash: string;
  provenance: Provenance;
  /** The bundle folder as the CLI would name it (relative to the working directory when inside it). */
  path: string;
  /** An encoder bundle trained for this generator (its folder, CLI spelling), when the model folders hold one. */
  encoder: string | null;
  /** The model card as `latentlab info` prints it: training facts, measurements of these weights. */
  card: string[];
}

/** The seed-latent settings a request carries (truncation and noise of latents drawn from seeds). */
export interface SeedFields {
  /** Truncation psi (StyleGAN2). */
  psi: number;
  cutoff: number | null;
  noiseMode: NoiseMode;
  noiseSeed: number;
  /** Class label for conditional models. */
  classIndex?: number;
}

/** A latent as the studio names it: a seed (drawn with the request's seed fields) or a saved file (one row of it). */
export interface LatentRef {
  seed?: number;
  latent?: string;
  row?: number;
}

/** One edit of a render: a direction of a set, its strength (the set's units: sigma when known) and ws rows [start, end). */
export interface EditRequest {
  directions: string;
  component: number;
  strength: number;
  layers?: [number, number];
}

/** POST /api/render (and the latent and strip routes built on it). */
export type RenderRequest = Partial<SeedFields> &
  LatentRef & {
    model: string;
    scale?: number;
    /** Directions to move along, in order (after the latent is drawn or read, before noise resampling). */
    edits?: EditRequest[];
    /** Fresh noise in the layers of these ws rows ('fine', '0-3'), drawn from RandomState(seed). */
    resampleNoise?: { layers: string; seed: number };
  };

/** POST /api/mix: a style-mixing figure of seeds and/or saved latents. */
export interface MixRequest extends Partial<SeedFields> {
  model: string;
  rows?: number[];
  cols?: number[];
  rowLatents?: string[];
  colLatents?: string[];
  layers: string;
  scale: number;
}

/** POST /api/interpolate and the GIF job: a walk through keyframes. */
export interface InterpolateRequest extends Partial<SeedFields> {
  model: string;
  keys: LatentRef[];
  steps: number;
  method?: InterpolationMethod;
  loop: boolean;
  layers?: string;
  scale: number;
}

/** What this studio can make, decided once at start (GET /api/capabilities): the web app offers only these. */
export interface Capabilities {
  /** ffmpeg answered `-version` at start: MP4 and WebM exports work. */
  ffmpeg: boolean;
  /** Export formats of an interpolation: always 'gif', plus 'mp4' and 'webm' with ffmpeg. */
  videoFormats: ('gif' | 'mp4' | 'webm')[];
  /** `--models` folders that do not exist (shown as a warning). */
  missingModelDirs: string[];
}
