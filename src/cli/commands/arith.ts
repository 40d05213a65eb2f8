import { ARITH_SPEC, arithVerb, resolveArithOptions } from '../../index.js';
import { walkCommand } from '../explore.js';

export const arithCommand = walkCommand({
  name: 'arith',
  summary:
    'Latent vector arithmetic (a - b + c, weighted sums) and class-mean attribute vectors applied with a strength',
  usage:
    "latentlab arith --model M --expr 'a - b + c' a=1 b=seed:2 c=latent.npz --outdir DIR\n" +
    '       latentlab arith --model M --to sneaker --from sandal --seeds 0-3 [--strengths -1:2:7] --outdir DIR',
  spec: ARITH_SPEC,
  resolve: resolveArithOptions,
  run: arithVerb,
});
