import { createHash } from 'node:crypto';
import { ArgumentError } from '../../core/errors.js';
import { type RgbImage, toImages } from '../../formats/image.js';
import { decodeLatent, encodeLatent } from '../../latent/file.js';
import { concatLatents, type Latent, renderLatent, selectRows } from '../../latent/latent.js';
import type { BundleRef } from './bundles.js';
import { collectShards } from './seedShards.js';
import { contentId, type Shard } from './submit.js';
import type { TaskHandler } from './worker.js';

// edit sweeps on the queue: the submitter edits the start latents (arithmetic on codes, cheap) and sends one task
// per (sample, direction) strip, the sample's edited latents at every strength; workers render the strip and send
// its 8-bit frames back (a 32-px frame is 3 KB); the submitter builds the grids and GIFs as a local run does.

export interface EditStripData {
  model: BundleRef;
  /** The strip's latent (one row per strength), as a latent file's bytes, base64 (~4 KB per W+ row of a 32-px model). */
  latent: string;
}

export interface EditStripResult {
  frames: { width: number; height: number; channels: 1 | 3 | 4; data: string }[];
}

/** One shard per sample: rows i of every strength's edited latent. */
export function editStrips(model: BundleRef, edited: readonly Latent[], label: string): Shard[] {
  const n = edited[0].codes.shape[0];
  if (edited.some((l) => l.noiseMode === 'random' && !l.noise))
    throw new ArgumentError(
      'edit --queue: random noise without stored maps depends on the whole batch; use --noise-mode const or none',
    );
  return Array.from({ length: n }, (_, i) => {
    const strip = concatLatents(edited.map((l) => selectRows(l, [i])));
    const bytes = encodeLatent(strip);
    const data: EditStripData = { model, latent: Buffer.from(bytes).toString('base64') };
    return {
      id: contentId('edit', {
        model: model.contentHash,
        latent: createHash('sha256').update(bytes).digest('hex'),
      }),
      task: 'edit-strip',
      data,
      label: `${label} sample ${i}`,
    };
  });
}

/** Worker side: render one strip. */
export const runEditStrip: TaskHandler = async (raw, ctx, locator) => {
  const d = raw as EditStripData;
  const model = await locator.model(d.model);
  const latent = decodeLatent(Buffer.from(d.latent, 'base64'), '<queued edit strip>');
  if (latent.model.contentHash !== model.manifest.contentHash)
    throw new ArgumentError(`edit strip: the latent belongs to ${latent.model.name}, not ${model.name}`);
  const frames = toImages(await renderLatent(model, latent));
  ctx.checkCancelled();
  ctx.report({ step: frames.length, total: frames.length });
  const result: EditStripResult = {
    frames: frames.map((f) => ({
      width: f.width,
      height: f.height,
      channels: f.channels,
      data: Buffer.from(f.data).toString('base64'),
    })),
  };
  return result;
};

/** Submitter side: the frames [strength][sample] of one direction's sweep, rendered by the workers. */
export async function renderEditOnQueue(
  url: string,
  model: BundleRef,
  edited: readonly Latent[],
  label: string,
  log: (line: string) => void,
): Promise<RgbImage[][]> {
  const shards = editStrips(model, edited, label);
  const { results } = await collectShards(url, shards, log);
  const frames: RgbImage[][] = edited.map(() => []);
  (results as EditStripResult[]).forEach((r, i) => {
    if (r.frames.length !== edited.length)
      throw new ArgumentError(
        `edit --queue: sample ${i} came back with ${r.frames.length} frames, ${edited.length} expected`,
      );
    r.frames.forEach((f, j) =>
      frames[j].push({
        width: f.width,
        height: f.height,
        channels: f.channels,
        data: new Uint8Array(Buffer.from(f.data, 'base64')),
      }),
    );
  });
  return frames;
}
