import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LatentlabError } from '../../core/errors.js';
import { readClassifierBundle } from '../../models/io/classifierBundle.js';
import type { Classifier } from '../../models/classifier/classifier.js';
import type { GanModel } from '../../models/ganModel.js';
import { loadModel } from '../../models/io/loadModel.js';

/** A bundle named by what it holds (its content hash) plus where the submitter saw it. */
export interface BundleRef {
  contentHash: string;
  name: string;
  /** The bundle folder on the submitting machine (used when a worker can see the same path). */
  path: string;
}

/** A worker has no bundle with the content hash a job asks for. */
export class ModelUnavailable extends LatentlabError {}

function readManifest(dir: string): { format?: string; name?: string; contentHash?: string } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { contentHash?: string };
  } catch {
    return null;
  }
}

/** The reference of a bundle folder (generator, classifier or encoder bundle). */
export function bundleRef(dir: string): BundleRef {
  const m = readManifest(dir);
  if (!m?.contentHash)
    throw new ModelUnavailable(
      `${dir} is not a bundle folder with a content hash (latentlab import makes one)`,
    );
  return { contentHash: m.contentHash, name: m.name ?? dir, path: resolve(dir) };
}

/**
 * A worker's view of the bundles it may load: the folders given with --models (each a bundle or a folder of
 * bundles), then the submitter's path when this machine sees it. Only a bundle whose content hash matches
 * is used, and loaded ones stay loaded for the next job.
 */
export class BundleLocator {
  private readonly models = new Map<string, Promise<GanModel>>();
  private readonly classifiers = new Map<string, Promise<Classifier>>();

  constructor(private readonly dirs: readonly string[]) {}

  find(ref: BundleRef): string {
    for (const d of this.dirs) {
      if (!existsSync(d)) continue;
      const candidates = readManifest(d) ? [d] : readdirSync(d).map((n) => join(d, n));
      for (const c of candidates) if (readManifest(c)?.contentHash === ref.contentHash) return c;
    }
    if (readManifest(ref.path)?.contentHash === ref.contentHash) return ref.path;
    throw new ModelUnavailable(
      `this worker has no bundle ${ref.name} (content hash ${ref.contentHash.slice(0, 16)}...): not in ${this.dirs.length ? this.dirs.join(', ') : '(no --models folders)'} nor at ${ref.path}; start the worker with --models DIR holding it`,
    );
  }

  model(ref: BundleRef): Promise<GanModel> {
    let p = this.models.get(ref.contentHash);
    if (!p) {
      p = loadModel(this.find(ref)).then((m) => {
        if (m.manifest.contentHash !== ref.contentHash)
          throw new ModelUnavailable(
            `${ref.name}: the bundle's weights do not match content hash ${ref.contentHash}`,
          );
        return m;
      });
      this.models.set(ref.contentHash, p);
      p.catch(() => this.models.delete(ref.contentHash));
    }
    return p;
  }

  classifier(ref: BundleRef): Promise<Classifier> {
    let p = this.classifiers.get(ref.contentHash);
    if (!p) {
      p = readClassifierBundle(this.find(ref));
      this.classifiers.set(ref.contentHash, p);
      p.catch(() => this.classifiers.delete(ref.contentHash));
    }
    return p;
  }

  async close(): Promise<void> {
    const all = [...this.models.values()];
    this.models.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.release()));
  }
}
