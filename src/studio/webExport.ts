import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ArgumentError, editStep, exportOnnx, type GanModel, readDirections } from '../index.js';
import { ensureExplorerBuild, ortWebDist, ortWebFiles } from './server/webBuild.js';
import type { DirectionSetJson, ExplorerJson } from './shared/explorer.js';

export interface WebExportOptions {
  /** Direction files (any format `readDirections` takes) whose sliders the page shows. */
  directions?: readonly string[];
  /** Generator weights as float16 inside the graphs (half the download). */
  fp16?: boolean;
  /** Copy onnxruntime-web's WebGPU build too (default true; 27 MB more on disk, fetched only where WebGPU exists). */
  webgpu?: boolean;
  log?: (line: string) => void;
}

export interface WebExport {
  files: { path: string; bytes: number }[];
  /** What a first visit downloads on the wasm path (page, ORT wasm build, graphs, noise maps). */
  firstLoadBytes: number;
}


export async function directionJson(model: GanModel, file: string, name = basename(file, extname(file))): Promise<DirectionSetJson> {
  const set = await readDirections(file);
  if (set.space === 's') throw new ArgumentError(`${file}: StyleSpace directions are not exported to the browser page (its graphs take ws, not style offsets)`);
  const dim = set.vectors.shape[1];
  const want = set.space === 'w' ? (model.architecture === 'stylegan2' ? model.stylegan2().wDim : -1) : model.zDim;
  if (dim !== want) throw new ArgumentError(`${file}: ${set.space.toUpperCase()}-space directions of dimension ${dim} do not fit ${model.name} (${set.space} dim ${want < 0 ? 'none' : want})`);
  if (set.model && set.model.contentHash !== model.manifest.contentHash) throw new ArgumentError(`${file}: found on ${set.model.name}, not ${model.name}`);
  const steps = set.labels.map((_, i) => editStep(set, { component: i }));
  return {
    name,
    space: set.space,
    labels: set.labels,
    steps: steps.map((s) => Array.from(s.step, (v) => Math.fround(v))),
    units: steps.map((s) => s.units),
    layers: set.layers ?? null,
  };
}

/** Sliders per direction set on the explorer page. */
const SLIDERS = 8;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * `latentlab export MODEL --web DIR`: a self-contained static explorer. DIR gets the prebuilt page
 * (index.html + assets/, see ensureExplorerBuild), explorer.json, model/ (the batch-1 ONNX export with the
 * const noise maps, file hashes added to onnx.json as cache keys) and ort/ (onnxruntime-web's loader and wasm).
 * Any static file server serves it; COOP/COEP headers, where the server sends them, enable wasm threads.
 */
export async function exportWeb(model: GanModel, dir: string, opts: WebExportOptions = {}): Promise<WebExport> {
  if (model.cDim > 0) throw new ArgumentError(`${model.name} is conditional: the explorer page supports unconditional models only`);
  // the page shows 8 sliders per set: ship those 8 (a 512-direction SeFa set would be 5 MB of JSON)
  const directions = (await Promise.all((opts.directions ?? []).map((f) => directionJson(model, f)))).map((d) => ({
    ...d,
    labels: d.labels.slice(0, SLIDERS),
    steps: d.steps.slice(0, SLIDERS),
    units: d.units.slice(0, SLIDERS),
  }));
  const page = await ensureExplorerBuild({ log: opts.log });
  await mkdir(dir, { recursive: true });
  await cp(page, dir, { recursive: true });
  const modelDir = join(dir, 'model');
  await exportOnnx(model, modelDir, 1, { fp16: opts.fp16, generatorOnly: true });
  const onnxPath = join(modelDir, 'onnx.json');
  const onnx = JSON.parse(await readFile(onnxPath, 'utf8')) as { graphs: { file: string }[]; noiseConst: { file: string } | null; hashes?: Record<string, string> };
  const modelFiles = [...onnx.graphs.map((g) => g.file), ...(onnx.noiseConst ? [onnx.noiseConst.file] : [])];
  onnx.hashes = {};
  for (const f of modelFiles) onnx.hashes[f] = sha256(await readFile(join(modelDir, f)));
  await writeFile(onnxPath, `${JSON.stringify(onnx, null, 2)}\n`);
  const ortDir = join(dir, 'ort');
  await mkdir(ortDir, { recursive: true });
  const dist = ortWebDist();
  for (const f of ortWebFiles(opts.webgpu ?? true)) await cp(join(dist, f), join(ortDir, f));
  const manifest: ExplorerJson = { name: model.name, model: 'model/', fp16: Boolean(opts.fp16), directions };
  await writeFile(join(dir, 'explorer.json'), `${JSON.stringify(manifest)}\n`);

  const files: WebExport['files'] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ path: path.slice(dir.length + 1), bytes: (await stat(path)).size });
  }
  const loaded = (p: string) => !p.startsWith('ort/') || ortWebFiles(false).includes(p.slice(4));
  const firstLoadBytes = files.filter((f) => loaded(f.path)).reduce((s, f) => s + f.bytes, 0);
  return { files, firstLoadBytes };
}
