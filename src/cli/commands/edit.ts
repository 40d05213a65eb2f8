import {
  ArgumentError,
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
    'latentlab edit --model M --directions dirs.safetensors [--component Trouser,Bag] (--seeds 0-7 | --latent x.latent.safetensors | --project a.png,b.png) [--strengths -3:3:7] [--units sigma] [--layers 0-3] --outdir DIR [--gif] [--classifier C (per-class knobs)]',
  spec: EDIT_SPEC,
  transport: [
    {
      name: 'queue',
      help: 'redis://HOST:PORT: one task per (sample, direction) strip for `latentlab worker`s; grids and GIFs written here (README: Scale out)',
    },
  ],
  async run(partial, out, transport) {
    const model = await loadModel(requireModelPath(partial, 'edit'));
    const o = resolveEditOptions(partial as Partial<EditSweepOptions>, model);
    const queue = transport.queue;
    if (queue === undefined) {
      await editVerb(model, o, { log: out });
      return;
    }
    if (o.project)
      throw new ArgumentError(
        'edit --queue: --project is not supported on the queue; project first (latentlab project --queue) and edit the latent files',
      );
    const { renderEditOnQueue, bundleRef } = await import('../../jobs/queue/index.js');
    const log = (line: string) => process.stderr.write(`${line}\n`);
    await editVerb(model, o, {
      log: out,
      renderStrips: (edited, label) => renderEditOnQueue(queue, bundleRef(o.model), edited, label, log),
    });
  },
});
