import {
  INTERPOLATE_SPEC,
  type InterpolateVerbOptions,
  interpolateMeasure,
  interpolateVerb,
  loadModel,
  requireModelPath,
  resolveInterpolateOptions,
} from '../../index.js';
import { tableCommand } from '../command.js';
import { progressBar } from '../explore.js';

export const interpolateCommand = tableCommand({
  name: 'interpolate',
  summary:
    'Walk the latent space between keyframes (lerp / slerp / spline, loops, layer ranges), beside a pixel cross-fade',
  usage:
    'latentlab interpolate --model M --seeds 1,5,9 [--keys a.latent.safetensors,3] [--method slerp] [--steps 16] [--loop] [--layers coarse] [--crossfade] [--columns 16] --outdir DIR [--gif F] [--video F]\n' +
    '       latentlab interpolate --model SG3 --seeds 7 --translate-sweep 0,0:0.5,0 | --rotate-sweep 0:360 [--steps 48] [--loop] --outdir DIR --gif F\n' +
    '       latentlab interpolate --model M --measure 100 --classifier models/fmnist-classifier [--json F]',
  spec: INTERPOLATE_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'interpolate'));
    const o = resolveInterpolateOptions(partial as Partial<InterpolateVerbOptions>, model);
    if (o.measure !== null) {
      const r = await interpolateMeasure(model, o, { onProgress: progressBar('measure') });
      const f = (x: number) => x.toFixed(3);
      out(
        `${r.pairs} seed pairs, ${r.frames} frames per path, ${r.space} ${r.method}, psi ${r.psi}, classifier ${r.classifier}`,
      );
      out(
        `mean top-class probability    endpoints  middle  interior  path minimum  middle class = an endpoint's`,
      );
      out(
        `  latent path                 ${f(r.latent.perFrame[0])}      ${f(r.latent.mid)}   ${f(r.latent.interior)}     ${f(r.latent.min)}         ${f(r.latent.midAgreesWithEndpoint)}`,
      );
      out(
        `  pixel cross-fade            ${f(r.pixel.perFrame[0])}      ${f(r.pixel.mid)}   ${f(r.pixel.interior)}     ${f(r.pixel.min)}         ${f(r.pixel.midAgreesWithEndpoint)}`,
      );
      if (o.json !== null) out(`wrote ${o.json}`);
      return;
    }
    const r = await interpolateVerb(model, o, { onProgress: progressBar('render') });
    for (const line of r.written) out(`wrote ${line}`);
  },
});
