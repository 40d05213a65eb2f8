import {
  EDIT_SPEC,
  type EditSweepOptions,
  editVerb,
  loadModel,
  requireModelPath,
  resolveEditOptions,
} from '../../index.js';
import { tableCommand } from '../command.js';

export const editCommand = tableCommand({
  name: 'edit',
  summary: 'Sweep edit strength along directions on seeds or latent files: grids and GIFs',
  usage:
    'latentlab edit --model M --directions dirs.safetensors [--component Trouser,Bag] (--seeds 0-7 | --latent x.latent.safetensors | --project a.png,b.png) [--strengths -3:3:7] [--units sigma] [--layers 0-3] --outdir DIR [--gif]',
  spec: EDIT_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'edit'));
    const o = resolveEditOptions(partial as Partial<EditSweepOptions>, model);
    await editVerb(model, o, { log: out });
  },
});
