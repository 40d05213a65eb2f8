import { writeFile } from 'node:fs/promises';
import {
  ArgumentError,
  classifierDistance,
  conditioning,
  loadModel,
  type PairDistance,
  perceptualPathLength,
  pplDifference,
  readClassifierBundle,
  vggDistance,
} from '../../index.js';
import type { MetricSubcommand } from './metrics.js';
import { integer, number, optionalString, requireString } from '../subcommand.js';

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

export const pplMetric: MetricSubcommand = {
  name: 'ppl',
  summary: 'Perceptual path length (Z slerp / W lerp, epsilon 1e-4) with a bootstrap confidence interval',
  usage:
    'latentlab metrics ppl --model M [--space z|w|both] (--classifier C | --vgg vgg16.pth) [--num 10000] [--sampling full|end] [--epsilon 1e-4] [--json FILE]',
  flags: [
    { name: 'model', type: 'string', help: 'generator: bundle folder or checkpoint' },
    { name: 'space', type: 'string', help: 'z (slerp) | w (lerp) | both (same pairs, paired difference); StyleGAN2 default both' },
    { name: 'classifier', type: 'string', help: 'classifier bundle: distance = squared L2 of its features' },
    { name: 'vgg', type: 'string', help: 'torchvision VGG16 state_dict (.pth): LPIPS-style distance' },
    { name: 'num', type: 'number', help: 'path samples (default 10000)' },
    { name: 'sampling', type: 'string', help: 'full (t ~ U(0,1)) | end (t = 0); default full' },
    { name: 'epsilon', type: 'number', help: 'step along the path (default 1e-4)' },
    { name: 'seed', type: 'number', help: 'seed of the pairs (default 0)' },
    { name: 'batch', type: 'number', help: 'images per ONNX Runtime call (default 100)' },
    { name: 'json', type: 'string', help: 'also write the result as JSON to this file' },
  ],
  async run(flags, out) {
    const where = 'metrics ppl';
    const model = await loadModel(requireString(flags, 'model', where));
    const spaceFlag = String(flags.space ?? (model.architecture === 'stylegan2' ? 'both' : 'z'));
    if (spaceFlag !== 'z' && spaceFlag !== 'w' && spaceFlag !== 'both') throw new ArgumentError(`${where}: --space must be z, w or both, got '${spaceFlag}'`);
    const spaces: ('z' | 'w')[] = spaceFlag === 'both' ? ['z', 'w'] : [spaceFlag];
    const sampling = String(flags.sampling ?? 'full');
    if (sampling !== 'full' && sampling !== 'end') throw new ArgumentError(`${where}: --sampling must be full or end, got '${sampling}'`);
    const vgg = optionalString(flags, 'vgg');
    const clf = optionalString(flags, 'classifier');
    if (!vgg === !clf) throw new ArgumentError(`${where}: give exactly one of --classifier and --vgg`);
    const distance: PairDistance = vgg ? await vggDistance(vgg) : classifierDistance(await readClassifierBundle(clf!));
    const num = integer(flags, 'num', 10000, where, 10);
    const seed = integer(flags, 'seed', 0, where);
    const results = [];
    for (const space of spaces) {
      out(`PPL in ${space.toUpperCase()} (${space === 'z' ? 'slerp' : 'lerp'}, ${sampling}) of ${model.name}: ${num} samples, distance ${distance.name}`);
      const t0 = performance.now();
      const r = await perceptualPathLength(model, distance, {
        space,
        num,
        sampling,
        epsilon: number(flags, 'epsilon', 1e-4, where),
        seed,
        batchSize: integer(flags, 'batch', 100, where, 1),
        onProgress: progress(out, 'pairs'),
      });
      const seconds = (performance.now() - t0) / 1000;
      out(
        `ppl_${space}_${sampling} ${r.value.toFixed(2)}  95% CI [${r.ci95[0].toFixed(2)}, ${r.ci95[1].toFixed(2)}]  (stderr ${r.stderr.toFixed(2)}; median ${r.median.toFixed(2)}; unfiltered mean ${r.rawMean.toFixed(2)}; ${r.kept}/${r.num} kept; ${seconds.toFixed(0)} s)`,
      );
      const { samples: _samples, ...summary } = r;
      results.push({ ...summary, seconds, result: r });
    }
    let paired = null;
    if (results.length === 2) {
      paired = pplDifference(results[0].result, results[1].result, 1000, seed);
      out(
        `ppl_z - ppl_w ${paired.difference.toFixed(2)}  paired 95% CI [${paired.ci95[0].toFixed(2)}, ${paired.ci95[1].toFixed(2)}]  (same pairs and t; ${(100 * paired.pNotGreater).toFixed(1)} % of resamples have Z <= W)`,
      );
    }
    const json = optionalString(flags, 'json');
    if (json) {
      const runs = results.map(({ result: _r, ...rest }) => rest);
      await writeFile(json, `${JSON.stringify({ metric: 'ppl', model: String(flags.model), runs, paired }, null, 2)}\n`);
      out(`wrote ${json}`);
    }
  },
};

export const conditioningMetric: MetricSubcommand = {
  name: 'conditioning',
  summary: 'Lengths of latent gradients Jᵀy for random image directions y (path-length regulariser check)',
  usage: 'latentlab metrics conditioning --model M [--num 200] [--directions 8] [--trunc 1] [--json FILE]',
  flags: [
    { name: 'model', type: 'string', help: 'StyleGAN2 generator' },
    { name: 'num', type: 'number', help: 'latents (default 200)' },
    { name: 'directions', type: 'number', help: 'random image directions per latent (default 8)' },
    { name: 'trunc', type: 'number', help: 'truncation psi (default 1)' },
    { name: 'seed', type: 'number', help: 'seed of the image directions (default 0)' },
    { name: 'json', type: 'string', help: 'also write the result as JSON to this file' },
  ],
  async run(flags, out) {
    const where = 'metrics conditioning';
    const model = await loadModel(requireString(flags, 'model', where));
    const r = await conditioning(model, {
      num: integer(flags, 'num', 200, where, 2),
      directions: integer(flags, 'directions', 8, where, 1),
      psi: number(flags, 'trunc', 1, where),
      seed: integer(flags, 'seed', 0, where),
    });
    out(
      `|J^T y|: mean ${r.mean.toFixed(4)}  std ${r.std.toFixed(4)}  cv ${r.cv.toFixed(3)}  p5/p50/p95 ${r.percentiles.p5.toFixed(4)}/${r.percentiles.p50.toFixed(4)}/${r.percentiles.p95.toFixed(4)}  between-latent share of variance ${(100 * r.betweenLatentShare).toFixed(0)} %`,
    );
    const json = optionalString(flags, 'json');
    if (json) {
      const { lengths, ...summary } = r;
      await writeFile(json, `${JSON.stringify({ metric: 'conditioning', model: String(flags.model), ...summary, lengths }, null, 2)}\n`);
      out(`wrote ${json}`);
    }
  },
};
