import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  type BundleManifest,
  type Classifier,
  type Encoder,
  ENCODER_FORMAT,
  type GanModel,
  generatorCard,
  LatentlabError,
  loadModel,
  readClassifierBundle,
  readEncoderBundle,
} from '../../index.js';

import type { ModelSummary } from '../shared/api.js';

export class UnknownModel extends LatentlabError {}

function readFormat(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format?: string }).format ?? null;
  } catch {
    return null;
  }
}

function readManifest(dir: string): BundleManifest | null {
  return readFormat(dir) === 'latentlab-bundle'
    ? (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as BundleManifest)
    : null;
}

/** A CLI-friendly spelling of a folder: relative to the working directory when it lies inside it. */
export function cliPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/**
 * The generators the studio offers: every latentlab bundle found in the model folders (a folder is
 * either a bundle itself or holds bundles one level down). Models load on first use and stay loaded,
 * so their compiled programs are reused across requests.
 */
export class ModelRegistry {
  private readonly bundles = new Map<string, { dir: string; manifest: BundleManifest }>();
  private readonly loaded = new Map<string, Promise<GanModel>>();
  /** The first classifier bundle found (the Fashion-MNIST feature loss, attribute labels). */
  private classifierDir: string | null = null;
  private classifierLoaded: Promise<Classifier> | null = null;
  /** Encoder bundles by the content hash of the generator they were trained for. */
  private readonly encoderDirs = new Map<string, string>();
  private readonly encoders = new Map<string, Promise<Encoder>>();

  /** Model folders that did not exist at the last scan (the CLI and the web app warn about them). */
  private readonly missing = new Set<string>();

  constructor(private readonly dirs: readonly string[]) {
    this.rescan();
  }

  /** The model folders given that do not exist (as given, resolved). */
  missingDirs(): string[] {
    return [...this.missing];
  }

  /** Re-reads the model folders (after an import); already-loaded models stay loaded. */
  rescan(): void {
    for (const d of this.dirs) {
      const dir = resolve(d);
      if (!existsSync(dir)) {
        this.missing.add(cliPath(dir));
        continue;
      }
      this.missing.delete(cliPath(dir));
      const candidates = readFormat(dir)
        ? [dir]
        : readdirSync(dir)
            .filter((n) => !n.startsWith('.'))
            .map((n) => join(dir, n));
      for (const c of candidates.sort()) {
        const format = readFormat(c);
        if (!this.classifierDir && format === 'latentlab-classifier') this.classifierDir = c;
        if (format === ENCODER_FORMAT) {
          const generator = (
            JSON.parse(readFileSync(join(c, 'model.json'), 'utf8')) as {
              generator?: { contentHash?: string };
            }
          ).generator;
          if (generator?.contentHash && !this.encoderDirs.has(generator.contentHash))
            this.encoderDirs.set(generator.contentHash, c);
        }
        const manifest = readManifest(c);
        if (manifest && !this.bundles.has(manifest.name))
          this.bundles.set(manifest.name, { dir: c, manifest });
      }
    }
  }

  list(): ModelSummary[] {
    return [...this.bundles.keys()]
      .sort((a, b) => this.rank(a) - this.rank(b) || a.localeCompare(b))
      .map((n) => this.info(n));
  }

  /** StyleGAN2 models first (every panel works on them), then StyleGAN3 (W space), then the rest. */
  private rank(name: string): number {
    const arch = this.bundles.get(name)!.manifest.architecture;
    return arch === 'stylegan2' ? 0 : arch === 'stylegan3' ? 1 : 2;
  }

  has(name: string): boolean {
    return this.bundles.has(name);
  }

  info(name: string): ModelSummary {
    const b = this.bundles.get(name);
    if (!b)
      throw new UnknownModel(
        `unknown model '${name}' (available: ${[...this.bundles.keys()].join(', ') || 'none'})`,
      );
    const m = b.manifest;
    return {
      name: m.name,
      architecture: m.architecture,
      resolution: m.dims.resolution,
      channels: m.dims.channels,
      zDim: m.dims.z,
      wDim: m.dims.w,
      numWs: m.dims.numWs,
      cDim: m.dims.c,
      labels: m.labels,
      layers: m.layers,
      contentHash: m.contentHash,
      provenance: m.provenance,
      path: cliPath(b.dir),
      encoder: this.encoderDirs.has(m.contentHash) ? cliPath(this.encoderDirs.get(m.contentHash)!) : null,
      card: generatorCard(m),
    };
  }

  async get(name: string): Promise<GanModel> {
    this.info(name);
    let p = this.loaded.get(name);
    if (!p) {
      p = loadModel(this.bundles.get(name)!.dir);
      this.loaded.set(name, p);
      p.catch(() => this.loaded.delete(name));
    }
    return p;
  }

  /** The classifier bundle's folder, when the model folders hold one. */
  classifierPath(): string | null {
    return this.classifierDir;
  }

  async classifier(): Promise<Classifier> {
    if (!this.classifierDir)
      throw new UnknownModel(
        'no classifier bundle in the model folders (latentlab train classifier makes one)',
      );
    this.classifierLoaded ??= readClassifierBundle(this.classifierDir);
    return this.classifierLoaded;
  }

  /** The encoder trained for `model` (refused when the model folders hold none). */
  async encoderFor(model: GanModel): Promise<Encoder> {
    const dir = this.encoderDirs.get(model.manifest.contentHash);
    if (!dir)
      throw new UnknownModel(
        `no encoder bundle for ${model.name} in the model folders (latentlab train encoder makes one)`,
      );
    let p = this.encoders.get(dir);
    if (!p) {
      p = readEncoderBundle(dir);
      this.encoders.set(dir, p);
      p.catch(() => this.encoders.delete(dir));
    }
    return p;
  }

  async close(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.release()));
  }
}
