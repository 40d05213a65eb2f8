import { ARITH_SPEC, type ArithOptions, arithVerb, loadModel, requireModelPath, resolveArithOptions } from '../../index.js';
import { tableCommand } from '../command.js';
import { progressBar } from '../explore.js';

export const arithCommand = tableCommand({
  name: 'arith',
  summary: 'Latent vector arithmetic (a - b + c, weighted sums) and class-mean attribute vectors applied with a strength',
  usage:
    "latentlab arith --model M --expr 'a - b + c' a=1 b=seed:2 c=latent.npz --outdir DIR\n" +
    '       latentlab arith --model M --to sneaker --from sandal --seeds 0-3 [--strengths -1:2:7] --outdir DIR',
  spec: ARITH_SPEC,
  async run(partial, out) {
    const model = await loadModel(requireModelPath(partial, 'arith'));
    const o = resolveArithOptions(partial as Partial<ArithOptions>, model);
    const r = await arithVerb(model, o, { onProgress: progressBar('render') });
    for (const line of r.written) out(`wrote ${line}`);
  },
});
