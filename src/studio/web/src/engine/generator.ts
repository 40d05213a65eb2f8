// A generator exported by `latentlab export` (onnx.json + graphs + noise_const.safetensors), run in the page:
// seeds -> z exactly as NVIDIA's generate.py draws them (our RandomState port), mapping with truncation,
// synthesis with the model's const noise, and NVIDIA's float -> uint8 conversion, so the pixels equal
// `latentlab generate`'s (tested within 1/255 in test/web/browser.test.ts).
import { RandomState } from '../../../../core/rng.js';
import { Tensor } from '../../../../core/tensor.js';
import type { BackendSession } from '../../../../runtime/backend.js';
import { readFloatSafetensors } from './safetensorsLite.js';
import type { WebRuntime } from './ortWeb.js';

interface Port {
  name: string;
  shape: number[];
}
interface OnnxJson {
  batch: number;
  graphs: { file: string; inputs: Port[]; outputs: Port[] }[];
  noiseConst: { file: string; inputs: Record<string, string> } | null;
  /** Written by `export --web`: sha256 per file, used as the cache key. */
  hashes?: Record<string, string>;
}
export interface ModelInfo {
  name: string;
  architecture: 'stylegan2' | 'dcgan';
  dims: { z: number; w?: number; numWs?: number; resolution: number; channels: number };
  /** StyleGAN2's synthesis layers and the ws row each reads (the bundle manifest's table). */
  layers?: { name: string; kind: string; resolution: number; wsIndex: number }[];
}

export type NoiseMode = 'const' | 'none';

const CACHE = 'latentlab-graphs-v1';

/** GET bytes; URLs carrying a content hash go through the Cache API (downloaded once per content). */
export async function fetchBytes(url: string, cacheable = false): Promise<ArrayBuffer> {
  const cache = cacheable && 'caches' in globalThis ? await caches.open(CACHE).catch(() => null) : null;
  const hit = cache ? await cache.match(url) : undefined;
  if (hit) return hit.arrayBuffer();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (cache) await cache.put(url, res.clone()).catch(() => {});
  return res.arrayBuffer();
}

export class BrowserGenerator {
  private constructor(
    readonly info: ModelInfo,
    private readonly sessions: Record<string, BackendSession>,
    private readonly noise: Record<string, Float32Array>,
    /** Bytes downloaded for the graphs and noise maps (a cache hit counts its size too). */
    readonly bytes: number,
  ) {}

  /** Loads `base`/onnx.json, model.json and the generator graphs (batch 1) into sessions of `runtime`. */
  static async load(base: string, runtime: WebRuntime): Promise<BrowserGenerator> {
    const root = new URL(base, document.baseURI).href.replace(/\/?$/, '/');
    const onnx = (await (await fetch(`${root}onnx.json`)).json()) as OnnxJson;
    const info = (await (await fetch(`${root}model.json`)).json()) as ModelInfo;
    if (onnx.batch !== 1) throw new Error(`${root}onnx.json: the page runs batch-1 graphs, this export has batch ${onnx.batch}`);
    const url = (file: string) => (onnx.hashes?.[file] ? `${root}${file}?sha256=${onnx.hashes[file]}` : `${root}${file}`);
    const wanted = info.architecture === 'stylegan2' ? ['mapping.onnx', 'synthesis.onnx'] : ['generator.onnx'];
    let bytes = 0;
    const sessions: Record<string, BackendSession> = {};
    await Promise.all(
      wanted.map(async (file) => {
        if (!onnx.graphs.some((g) => g.file === file)) throw new Error(`${root}onnx.json lists no ${file}`);
        const model = new Uint8Array(await fetchBytes(url(file), Boolean(onnx.hashes?.[file])));
        bytes += model.byteLength;
        sessions[file.replace('.onnx', '')] = await runtime.backend.createSession(model, { threads: runtime.threads, optimization: 'all', spinning: false, memoryPattern: false, memoryArena: true });
      }),
    );
    const noise: Record<string, Float32Array> = {};
    if (onnx.noiseConst) {
      const buf = await fetchBytes(url(onnx.noiseConst.file), Boolean(onnx.hashes?.[onnx.noiseConst.file]));
      bytes += buf.byteLength;
      const maps = readFloatSafetensors(buf, onnx.noiseConst.file);
      for (const [input, tensor] of Object.entries(onnx.noiseConst.inputs)) {
        const t = maps.get(tensor);
        if (!t) throw new Error(`${onnx.noiseConst.file}: no tensor '${tensor}' for input '${input}'`);
        noise[input] = t.data;
      }
    }
    return new BrowserGenerator(info, sessions, noise, bytes);
  }

  get isStyleGan(): boolean {
    return this.info.architecture === 'stylegan2';
  }
  get zDim(): number {
    return this.info.dims.z;
  }
  get numWs(): number {
    return this.info.dims.numWs ?? 0;
  }
  get wDim(): number {
    return this.info.dims.w ?? 0;
  }
  get resolution(): number {
    return this.info.dims.resolution;
  }

  /** NVIDIA's z for a seed: np.random.RandomState(seed).randn(1, z_dim) as float32. */
  z(seed: number): Float32Array {
    return new RandomState(seed).standardNormalFloat32([this.zDim]);
  }

  /** z -> ws [numWs * wDim] with truncation psi toward w_avg (StyleGAN2). */
  async ws(z: Float32Array, psi: number): Promise<Float32Array> {
    const out = await this.sessions.mapping.run(
      { z: new Tensor('float32', [1, this.zDim], z), psi: new Tensor('float32', [1], new Float32Array([psi])) },
      ['ws'],
    );
    return out.ws.data as Float32Array;
  }

  /** One image [C, R, R] in about [-1, 1]: ws (StyleGAN2, with the const maps or no noise) or z (DCGAN). */
  async render(latent: Float32Array, noise: NoiseMode = 'const'): Promise<Float32Array> {
    if (!this.isStyleGan) {
      const out = await this.sessions.generator.run({ z: new Tensor('float32', [1, this.zDim], latent) }, ['img']);
      return out.img.data as Float32Array;
    }
    const feeds: Record<string, Tensor> = { ws: new Tensor('float32', [1, this.numWs, this.wDim], latent) };
    for (const [name, map] of Object.entries(this.noise)) {
      const r = Math.round(Math.sqrt(map.length));
      feeds[name] = new Tensor('float32', [1, 1, r, r], noise === 'const' ? map : new Float32Array(map.length));
    }
    const out = await this.sessions.synthesis.run(feeds, ['img']);
    return out.img.data as Float32Array;
  }

  /** The image of a seed as `generate` makes it (psi ignored by DCGAN, which has no truncation). */
  async seedImage(seed: number, psi: number): Promise<Float32Array> {
    const z = this.z(seed);
    return this.render(this.isStyleGan ? await this.ws(z, psi) : z);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}

/** [C, R, R] floats -> RGBA bytes with NVIDIA's conversion: floor(x * 127.5 + 128) clamped to [0, 255]. */
export function toRgba(img: Float32Array, channels: number, resolution: number): Uint8ClampedArray<ArrayBuffer> {
  const px = resolution * resolution;
  const out = new Uint8ClampedArray(px * 4);
  for (let p = 0; p < px; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.floor(img[(channels === 1 ? 0 : c) * px + p] * 127.5 + 128);
      out[p * 4 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
