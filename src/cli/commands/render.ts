import {
  loadModel,
  render,
  RENDER_SPEC,
  type RenderOptions,
  requireModelPath,
  resolveRenderOptions,
} from '../../index.js';
import { tableCommand } from '../command.js';

export const renderCommand = tableCommand({
  name: 'render',
  summary:
    "One latent (a seed or a file row), moved along several directions, noise resampled: one PNG (the studio's view)",
  usage:
    'latentlab render --model M (--seed S | --latent F [--row R]) [--edit dirs.safetensors,COMPONENT,STRENGTH[,FROM-TO]]... [--resample-noise fine:SEED] --out X.png [--save-latent X.latent.safetensors]',
  spec: RENDER_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'render'));
    const o = resolveRenderOptions(partial as Partial<RenderOptions>, model);
    await render(model, o);
    out(`wrote ${o.out}${o.saveLatent ? ` and ${o.saveLatent}` : ''}`);
  },
});
