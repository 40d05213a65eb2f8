import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArgumentError,
  crossfadeImages,
  imagesOf,
  INTERPOLATION_METHODS,
  type InterpolationMethod,
  interpolate,
  labelledGrid,
  parseRotateSweep,
  parseTranslateSweep,
  pathConfidence,
  readClassifierBundle,
  renderFrames,
  renderTransformSweep,
  sideBySide,
  sweepStrip,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import {
  animationFlags,
  frameLabel,
  latentFlags,
  latentsFrom,
  layersFrom,
  modelFlag,
  modelFrom,
  outputFlags,
  progressBar,
  saveLatentIfAsked,
  sourcesFrom,
  str,
  upscaleFactor,
  writeAnimation,
} from '../explore.js';

export const interpolateCommand: Command = {
  name: 'interpolate',
  summary: 'Walk the latent space between keyframes (lerp / slerp / spline, loops, layer ranges), beside a pixel cross-fade',
  usage:
    'latentlab interpolate --model M --seeds 1,5,9 [--keys a.latent.safetensors,3] [--method slerp] [--steps 16] [--loop] [--layers coarse] [--crossfade] --outdir DIR [--gif F] [--video F]\n' +
    '       latentlab interpolate --model SG3 --seeds 7 --translate-sweep 0,0:0.5,0 | --rotate-sweep 0:360 [--steps 48] [--loop] --outdir DIR --gif F\n' +
    '       latentlab interpolate --model M --measure 100 --classifier models/fmnist-classifier [--json F]',
  flags: [
    modelFlag,
    { name: 'seeds', type: 'string', help: 'keyframe seeds, e.g. 1,5,9 (drawn into --space)' },
    { name: 'keys', type: 'string', help: 'more keyframes after the seeds: seeds or latent files (.latent.safetensors .npz .npy .pt), comma-separated' },
    { name: 'method', type: 'string', help: `${INTERPOLATION_METHODS.join(' | ')} (default: slerp in z, lerp in w / w+)` },
    { name: 'steps', type: 'number', help: 'frames per keyframe segment', default: 16 },
    { name: 'loop', type: 'boolean', help: 'return to the first keyframe' },
    { name: 'layers', type: 'string', help: 'move only these ws rows: coarse | middle | fine | 0-3 | 4,6 (path in w+)' },
    { name: 'crossfade', type: 'boolean', help: 'show the naive pixel cross-fade beside the latent path' },
    { name: 'translate-sweep', type: 'string', help: 'StyleGAN3 equivariance: move the input "x0,y0:x1,y1" over --steps for the first seed/key' },
    { name: 'rotate-sweep', type: 'string', help: 'StyleGAN3 equivariance: rotate the input "a0:a1" degrees over --steps (with or without --translate-sweep)' },
    ...latentFlags,
    ...outputFlags,
    ...animationFlags,
    { name: 'measure', type: 'number', help: 'measure classifier confidence along N random seed-pair paths vs cross-fades instead' },
    { name: 'classifier', type: 'string', help: 'classifier bundle for --measure', default: 'models/fmnist-classifier' },
    { name: 'json', type: 'string', help: 'write the --measure result as JSON here' },
  ],
  async run({ flags }, out) {
    const model = await modelFrom(flags, 'interpolate');
    const method = flags.method === undefined ? undefined : (String(flags.method) as InterpolationMethod);
    if (method && !INTERPOLATION_METHODS.includes(method)) throw new ArgumentError(`--method must be ${INTERPOLATION_METHODS.join(', ')}`);
    const steps = Number(flags.steps);
    if (flags.measure !== undefined) {
      const classifier = await readClassifierBundle(String(flags.classifier));
      const r = await pathConfidence(model, classifier, {
        pairs: Number(flags.measure),
        framesPerSegment: steps % 2 === 0 ? steps : steps + 1,
        space: String(flags.space) as 'z',
        method,
        psi: Number(flags.trunc),
        batchSize: Number(flags.batch),
        onProgress: progressBar('measure'),
      });
      const f = (x: number) => x.toFixed(3);
      out(`${r.pairs} seed pairs, ${r.frames} frames per path, ${r.space} ${r.method}, psi ${r.psi}, classifier ${r.classifier}`);
      out(`mean top-class probability    endpoints  middle  interior  path minimum  middle class = an endpoint's`);
      out(`  latent path                 ${f(r.latent.perFrame[0])}      ${f(r.latent.mid)}   ${f(r.latent.interior)}     ${f(r.latent.min)}         ${f(r.latent.midAgreesWithEndpoint)}`);
      out(`  pixel cross-fade            ${f(r.pixel.perFrame[0])}      ${f(r.pixel.mid)}   ${f(r.pixel.interior)}     ${f(r.pixel.min)}         ${f(r.pixel.midAgreesWithEndpoint)}`);
      if (flags.json !== undefined) {
        await writeFile(String(flags.json), `${JSON.stringify(r, null, 2)}\n`);
        out(`wrote ${flags.json}`);
      }
      return;
    }
    const outdir = str(flags, 'outdir', 'interpolate');
    const factor = upscaleFactor(flags);
    const keys = await latentsFrom(model, flags, sourcesFrom(flags.seeds, flags.keys), 'interpolate');
    if (flags['translate-sweep'] !== undefined || flags['rotate-sweep'] !== undefined) {
      const { images, frames } = await renderTransformSweep(
        model,
        keys,
        {
          translate: flags['translate-sweep'] === undefined ? null : parseTranslateSweep(String(flags['translate-sweep'])),
          rotate: flags['rotate-sweep'] === undefined ? null : parseRotateSweep(String(flags['rotate-sweep'])),
          steps,
          loop: Boolean(flags.loop),
        },
        { batchSize: Number(flags.batch), onProgress: progressBar('render') },
      );
      const tiles = imagesOf(images, factor);
      await writePng(join(outdir, 'sweep.png'), sweepStrip(tiles, frames));
      out(`wrote ${join(outdir, 'sweep.png')} (${frames.length} frames of one latent under a moving input transform)`);
      await writeAnimation(flags, tiles, out);
      return;
    }
    const layers = layersFrom(model, flags.layers);
    const { latent, schedule } = await interpolate(model, keys, { framesPerSegment: steps, method, loop: Boolean(flags.loop), layers });
    const images = await renderFrames(model, latent, { batchSize: Number(flags.batch), onProgress: progressBar('render') });
    let frames = imagesOf(images, factor);
    let rows = [frames];
    if (flags.crossfade) {
      const keyImages = await renderFrames(model, keys, { batchSize: Number(flags.batch) });
      const fade = imagesOf(crossfadeImages(keyImages, schedule), factor);
      rows = [frames, fade];
      frames = frames.map((f, i) => sideBySide([f, fade[i]]));
    }
    const labels = schedule.map(frameLabel);
    const strip = labelledGrid(rows.flat(), { columns: schedule.length, columnLabels: labels, rowLabels: flags.crossfade ? ['latent', 'pixel'] : undefined });
    await writePng(join(outdir, 'path.png'), strip);
    out(`wrote ${join(outdir, 'path.png')} (${schedule.length} frames through ${keys.codes.shape[0]} keyframes, ${latent.space} ${latent.provenance.method})`);
    await writeAnimation(flags, frames, out);
    await saveLatentIfAsked(flags, latent, out);
  },
};
