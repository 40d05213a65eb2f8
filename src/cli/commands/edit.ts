import { join } from 'node:path';
import {
  ArgumentError,
  concatLatents,
  directionIndex,
  edit,
  type GanModel,
  project,
  readTarget,
  Tensor,
  type EditUnits,
  type Latent,
  latentFromSeeds,
  loadLatent,
  loadModel,
  makeGrid,
  type NoiseMode,
  readDirections,
  renderLatent,
  type RgbImage,
  saveLatent,
  toImages,
  upscale,
  writeGif,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import { parseRange } from '../ranges.js';
import { integer, layerRange, number, optionalString, requireString, strengthList } from '../subcommand.js';

/** Projects image files into W (NVIDIA's projector: w and noise maps) as the start latents of a sweep. */
async function projectImages(model: GanModel, files: string[], numSteps: number, out: (line: string) => void): Promise<Latent> {
  const targets = await Promise.all(files.map((f) => readTarget(f, model)));
  const size = targets[0].size;
  const batch = Tensor.float32([targets.length, ...targets[0].shape.slice(1)]);
  targets.forEach((t, i) => batch.data.set(t.data, i * size));
  const t0 = performance.now();
  const r = await project(model, batch, { space: model.architecture === 'dcgan' ? 'z' : 'w', numSteps });
  out(`projected ${files.length} image(s) in ${numSteps} steps (${((performance.now() - t0) / 1000).toFixed(0)} s), final loss ${r.loss.map((l) => l.toFixed(4)).join(', ')}`);
  return r.latent;
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

export const editCommand: Command = {
  name: 'edit',
  summary: 'Sweep edit strength along directions on seeds or latent files: grids and GIFs',
  usage:
    'latentlab edit --model M --directions dirs.safetensors [--component Trouser,Bag] (--seeds 0-7 | --latent x.latent.safetensors | --project a.png,b.png) [--strengths -3:3:7] [--units sigma] [--layers 0-3] --outdir DIR [--gif]',
  flags: [
    { name: 'model', type: 'string', help: 'generator bundle or checkpoint' },
    { name: 'directions', type: 'string', help: 'direction file (.safetensors, InterFaceGAN .npy, GANSpace .npz, factor.pt, e4e .pt)' },
    { name: 'component', type: 'string', help: 'directions of the file to sweep: labels or indices, comma-separated', default: '0' },
    { name: 'seeds', type: 'string', help: 'start latents by seed, e.g. 0-7' },
    { name: 'latent', type: 'string', help: 'start latents from a latent file (seeds, projections, encoders)' },
    { name: 'project', type: 'string', help: 'start latents by projecting images (comma-separated paths) into W' },
    { name: 'project-steps', type: 'number', help: 'projection steps for --project (NVIDIA: 1000)', default: 500 },
    { name: 'trunc', type: 'number', help: 'truncation psi for --seeds', default: 1 },
    { name: 'noise-mode', type: 'string', help: 'const | random | none (for --seeds)', default: 'const' },
    { name: 'strengths', type: 'string', help: "'from:to:steps' or a list", default: '-3:3:7' },
    { name: 'units', type: 'string', help: 'sigma | distance (default sigma when the file knows it)' },
    { name: 'layers', type: 'string', help: 'ws rows to edit, inclusive, e.g. 0-3 (default the file’s, else all)' },
    { name: 'space', type: 'string', help: 'space of imported direction files: w | z', default: 'w' },
    { name: 'upscale', type: 'number', help: 'nearest-neighbour upscaling of the images', default: 4 },
    { name: 'gif', type: 'boolean', help: 'also write an animated GIF per direction (strength there and back)' },
    { name: 'delay', type: 'number', help: 'GIF milliseconds per frame', default: 150 },
    { name: 'save-latents', type: 'boolean', help: 'also write the edited latents (<label>.latent.safetensors)' },
    { name: 'outdir', type: 'string', help: 'output folder' },
    {
      name: 'queue',
      type: 'string',
      help: 'redis://HOST:PORT: one task per (sample, direction) strip for `latentlab worker`s; grids and GIFs written here (README: Scale out)',
    },
  ],
  async run({ flags }, out) {
    const where = 'edit';
    const outdir = requireString(flags, 'outdir', where);
    const model = await loadModel(requireString(flags, 'model', where));
    const space = String(flags.space);
    if (space !== 'w' && space !== 'z') throw new ArgumentError(`edit: --space must be w or z, got '${space}'`);
    const set = await readDirections(requireString(flags, 'directions', where), { space });
    const units = optionalString(flags, 'units') as EditUnits | undefined;
    if (units !== undefined && units !== 'sigma' && units !== 'distance') throw new ArgumentError(`edit: --units must be sigma or distance, got '${units}'`);
    const strengths = strengthList(String(flags.strengths), where);
    const layers = layerRange(flags, where);
    const factor = integer(flags, 'upscale', 4, where, 1);
    const seedsText = optionalString(flags, 'seeds');
    const latentFile = optionalString(flags, 'latent');
    const images = optionalString(flags, 'project');
    if ([seedsText, latentFile, images].filter(Boolean).length !== 1) throw new ArgumentError('edit: give exactly one of --seeds, --latent and --project');
    const noiseMode = String(flags['noise-mode']);
    if (!['const', 'random', 'none'].includes(noiseMode)) throw new ArgumentError(`edit: --noise-mode must be const, random or none, got '${noiseMode}'`);
    const start: Latent = images
      ? await projectImages(model, images.split(',').map((f) => f.trim()), integer(flags, 'project-steps', 500, where, 1), out)
      : latentFile
      ? await loadLatent(latentFile, model)
      : await latentFromSeeds(model, parseRange(seedsText!), {
          space: model.architecture === 'dcgan' || set.space === 'z' ? 'z' : 'w',
          psi: number(flags, 'trunc', 1, where),
          noiseMode: noiseMode as NoiseMode,
        });
    const n = start.codes.shape[0];
    const queue = optionalString(flags, 'queue');
    if (queue && images) throw new ArgumentError('edit --queue: --project is not supported on the queue; project first (latentlab project --queue) and edit the latent files');
    const { renderEditOnQueue, bundleRef } = queue ? await import('../../jobs/queue/index.js') : {};
    const components = String(flags.component)
      .split(',')
      .map((c) => directionIndex(set, c.trim()));
    for (const c of components) {
      const label = set.labels[c];
      const edited: Latent[] = [];
      const frames: RgbImage[][] = []; // [strength][sample]
      for (const s of strengths) {
        const l = await edit(start, set, s, { component: c, units, layers, model });
        edited.push(l);
        if (!queue) frames.push(toImages(await renderLatent(model, l)).map((im) => upscale(im, factor)));
      }
      if (queue) {
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const strips = await renderEditOnQueue!(queue, bundleRef!(requireString(flags, 'model', where)), edited, label, log);
        for (const row of strips) frames.push(row.map((im) => upscale(im, factor)));
      }
      const used = edited[0].provenance;
      const cells: RgbImage[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < strengths.length; j++) cells.push(frames[j][i]);
      const base = join(outdir, safeName(label));
      await writePng(`${base}.png`, makeGrid(cells, strengths.length, factor));
      out(
        `${label}: ${n} latents x strengths ${strengths.map((s) => +s.toFixed(3)).join(', ')} (${String(used.units)}, 1 unit = ${Number(used.scale).toFixed(4)}; ${used.layers ? `ws rows ${(used.layers as number[])[0]}-${(used.layers as number[])[1] - 1}` : set.space === 'z' ? 'in z' : 'every ws row'}) -> ${base}.png`,
      );
      if (flags.gif) {
        const order = [...strengths.keys(), ...[...strengths.keys()].reverse().slice(1, -1)];
        await writeGif(
          `${base}.gif`,
          order.map((j) => makeGrid(frames[j], Math.min(n, 8), factor)),
          { delayMs: integer(flags, 'delay', 150, where, 10) },
        );
        out(`  ${base}.gif`);
      }
      if (flags['save-latents']) {
        await saveLatent(`${base}.latent.safetensors`, concatLatents(edited, { kind: 'edit', direction: label, strengths }));
        out(`  ${base}.latent.safetensors (${strengths.length} x ${n} rows, strength-major)`);
      }
    }
  },
};
