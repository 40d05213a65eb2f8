// Typed client of the studio's JSON API (src/studio/server). Errors carry the server's message.
import type {
  Capabilities,
  InterpolateRequest,
  MixRequest,
  ModelSummary,
  RenderRequest,
  SeedFields,
} from '../../shared/api.js';
import type { JobProgress, JobRecord } from '../../shared/jobs.js';
import { tryLocal } from './browserCompute.js';

export interface SavedLatent {
  path: string;
  image?: string;
  model?: string;
  space?: string;
  rows?: number;
  error?: string;
}

export interface DirectionFile {
  path: string;
  method?: string;
  space?: 'z' | 'w';
  labels?: string[];
  layers?: [number, number] | null;
  sigma?: boolean;
  /** Per direction, its share of variance (GANSpace explained variance, SeFa eigenvalue share), if known. */
  shares?: number[] | null;
  model?: string | null;
  /** Per direction: the attribute it was found for and what it was made to keep. */
  names?: { label: string; attribute: string | null; keeps: string[] }[];
  /** What `directions eval --record` measured: own-attribute change (std) and class kept, per strength. */
  preservation?: {
    judge: string;
    num: number;
    units: string;
    byLabel: Record<string, { strength: number; attributeChange: number | null; classKept: number }[]>;
  } | null;
  error?: string;
}

export interface PcaView {
  explained: number[];
  points: [number, number][];
  path: [number, number][];
  current: [number, number];
  samples: number;
  stdev: number[];
  /** The plot's pc0/pc1 as a direction file: dragging the latent edits along it. */
  directions: string;
}

export type {
  Capabilities,
  EditRequest,
  InterpolateRequest,
  LatentRef,
  LayerRow,
  MixRequest,
  ModelSummary,
  NoiseMode,
  RenderRequest,
  SeedFields,
} from '../../shared/api.js';
export type { JobProgress, JobRecord, JobState } from '../../shared/jobs.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  try {
    message = ((await res.json()) as { error?: string }).error ?? message;
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(res.status, message);
}

export async function getJson<T>(url: string): Promise<T> {
  return (await (await check(await fetch(url))).json()) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await (await check(res)).json()) as T;
}

async function send<T>(method: string, url: string): Promise<T> {
  return (await (await check(await fetch(url, { method }))).json()) as T;
}

async function uploadFile<T>(url: string, file: Blob, name = (file as File).name ?? 'upload'): Promise<T> {
  const form = new FormData();
  form.append('file', file, name);
  return (await (await check(await fetch(url, { method: 'POST', body: form }))).json()) as T;
}

async function postJsonSignal<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return (await (await check(res)).json()) as T;
}

/** A PNG from the API as an object URL, with the CLI command the server says makes the same image. */
export interface RenderedImage {
  url: string;
  command: string;
  /** Frames in an interpolation strip (x-latentlab-frames), when the response says. */
  frames?: number;
}

export async function postImage(url: string, body: unknown, signal?: AbortSignal): Promise<RenderedImage> {
  const local = await tryLocal(url, body);
  if (local) return local;
  const res = await check(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    }),
  );
  return {
    url: URL.createObjectURL(await res.blob()),
    command: res.headers.get('x-latentlab-command') ?? '',
    frames: res.headers.has('x-latentlab-frames') ? Number(res.headers.get('x-latentlab-frames')) : undefined,
  };
}

export const api = {
  models: () => getJson<ModelSummary[]>('/api/models'),
  grid: (
    body: SeedFields & { model: string; seeds: number[]; columns: number; scale: number },
    signal?: AbortSignal,
  ) => postImage('/api/grid', body, signal),
  render: (body: RenderRequest, signal?: AbortSignal) => postImage('/api/render', body, signal),
  mix: (body: MixRequest, signal?: AbortSignal) => postImage('/api/mix', body, signal),
  strip: (body: object, signal?: AbortSignal) => postImage('/api/directions/strip', body, signal),
  targetPreview: (model: string, image: string, signal?: AbortSignal) =>
    postImage('/api/targets/preview', { model, image, scale: 4 }, signal),
  capabilities: () => getJson<Capabilities>('/api/capabilities'),
  deleteJob: (id: string) => send<{ removed: string[] }>('DELETE', `/api/jobs/${id}`),
  clearJobs: () => send<{ removed: string[] }>('DELETE', '/api/jobs'),
  jobZipUrl: (id: string) => `/api/jobs/${id}/zip`,
  renameLatent: (path: string, name: string) =>
    postJson<{ path: string; image: string }>('/api/latents/rename', { path, name }),
  deleteLatent: (path: string) =>
    send<{ removed: string }>('DELETE', `/api/latents?path=${encodeURIComponent(path)}`),
  interpolate: (body: InterpolateRequest, signal?: AbortSignal) =>
    postImage('/api/interpolate', body, signal),
  directions: (model: string) =>
    getJson<DirectionFile[]>(`/api/directions?model=${encodeURIComponent(model)}`),
  pca: (body: object, signal?: AbortSignal) => postJsonSignal<PcaView>('/api/pca', body, signal),
  saveLatent: (body: RenderRequest & { name: string; space: 'z' | 'w' | 'w+' }) => postJson<{ path: string; image: string }>('/api/latents', body),
  latents: () => getJson<SavedLatent[]>('/api/latents'),
  jobs: () => getJson<JobRecord[]>('/api/jobs'),
  submitJob: (kind: string, params: Record<string, unknown>) =>
    postJson<JobRecord>(`/api/jobs/${kind}`, params),
  cancelJob: (id: string) => postJson<JobRecord>(`/api/jobs/${id}/cancel`, {}),
  uploadCheckpoint: (file: File) =>
    uploadFile<{ path: string; size: number }>('/api/uploads/checkpoint', file),
  uploadImage: (file: Blob, name = 'image.png') =>
    uploadFile<{ path: string; width: number; height: number }>('/api/uploads', file, name),
  fileUrl: (path: string) => `/api/files/${path.split('/').map(encodeURIComponent).join('/')}`,
};

/** Follows a job's server-sent events until it ends. Returns a function that stops listening. */
export function watchJob(
  id: string,
  on: { state?: (job: JobRecord) => void; progress?: (p: JobProgress) => void },
): () => void {
  const source = new EventSource(`/api/jobs/${id}/events`);
  source.addEventListener('state', (e) => {
    const job = JSON.parse((e as MessageEvent<string>).data) as JobRecord;
    on.state?.(job);
    if (!['queued', 'running'].includes(job.state)) source.close();
  });
  source.addEventListener('progress', (e) =>
    on.progress?.(JSON.parse((e as MessageEvent<string>).data) as JobProgress),
  );
  return () => source.close();
}

/** Style-based generators (StyleGAN2, StyleGAN3): a mapping network and W/W+ latents. */
export function hasWSpace<T extends { architecture: string }>(m: T | null | undefined): m is T {
  return m?.architecture === 'stylegan2' || m?.architecture === 'stylegan3';
}
