import {
  CONDITIONING_SPEC,
  type ConditioningRunOptions,
  loadModel,
  measureConditioning,
  measurePpl,
  PPL_SPEC,
  type PplRunOptions,
  requireModelPath,
  resolveConditioningOptions,
  resolvePplOptions,
} from '../../index.js';
import type { TableSubcommand } from '../command.js';

function progress(out: (line: string) => void, what: string) {
  const t0 = performance.now();
  let last = performance.now();
  return (done: number, total: number) => {
    if (done === total || performance.now() - last > 15_000) {
      last = performance.now();
      out(`  ${what} ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
}

export const pplSubcommand: TableSubcommand = {
  summary: 'Perceptual path length (Z slerp / W lerp, epsilon 1e-4) with a bootstrap confidence interval',
  usage:
    'latentlab metrics ppl --model M [--space z|w|both] (--classifier C | --vgg vgg16.pth) [--num 10000] [--sampling full|end] [--epsilon 1e-4] [--json FILE]',
  spec: PPL_SPEC,
  async run(partial, out) {
    // the model decides the default space (StyleGAN2: both)
    const model = await loadModel(requireModelPath(partial, 'metrics ppl'));
    const o = resolvePplOptions(partial as Partial<PplRunOptions>, model);
    const { paired } = await measurePpl(o, {
      model,
      onStart: out,
      onProgress: progress(out, 'pairs'),
      onRun: (r) =>
        out(
          `ppl_${r.space}_${r.sampling} ${r.value.toFixed(2)}  95% CI [${r.ci95[0].toFixed(2)}, ${r.ci95[1].toFixed(2)}]  (stderr ${r.stderr.toFixed(2)}; median ${r.median.toFixed(2)}; unfiltered mean ${r.rawMean.toFixed(2)}; ${r.kept}/${r.num} kept; ${r.seconds.toFixed(0)} s)`,
        ),
    });
    if (paired)
      out(
        `ppl_z - ppl_w ${paired.difference.toFixed(2)}  paired 95% CI [${paired.ci95[0].toFixed(2)}, ${paired.ci95[1].toFixed(2)}]  (same pairs and t; ${(100 * paired.pNotGreater).toFixed(1)} % of resamples have Z <= W)`,
      );
    if (o.json) out(`wrote ${o.json}`);
  },
};

export const conditioningSubcommand: TableSubcommand = {
  summary: 'Lengths of latent gradients Jᵀy for random image directions y (path-length regulariser check)',
  usage: 'latentlab metrics conditioning --model M [--num 200] [--directions 8] [--trunc 1] [--json FILE]',
  spec: CONDITIONING_SPEC,
  async run(partial, out) {
    const o = resolveConditioningOptions(partial as Partial<ConditioningRunOptions>);
    const r = await measureConditioning(o);
    out(
      `|J^T y|: mean ${r.mean.toFixed(4)}  std ${r.std.toFixed(4)}  cv ${r.cv.toFixed(3)}  p5/p50/p95 ${r.percentiles.p5.toFixed(4)}/${r.percentiles.p50.toFixed(4)}/${r.percentiles.p95.toFixed(4)}  between-latent share of variance ${(100 * r.betweenLatentShare).toFixed(0)} %`,
    );
    if (o.json) out(`wrote ${o.json}`);
  },
};
