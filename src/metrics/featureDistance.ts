import { ArgumentError, ShapeError } from '../core/errors.js';
import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, sqrt, square, sub } from '../graph/ops/elementwise.js';
import { concat, slice } from '../graph/ops/movement.js';
import { reduceMean, reduceSum } from '../graph/ops/reduce.js';
import { input, type Value } from '../graph/value.js';
import type { Classifier } from '../models/classifier/classifier.js';
import { predict } from '../models/classifier/predict.js';
import { loadTorchFile } from '../formats/files.js';
import { stateDictFrom } from '../formats/stateDict.js';
import { inferVggConfig } from '../models/vgg/config.js';
import { imagenetNormalize, vggFeatures } from '../models/vgg/features.js';
import { Weights } from '../nn/weights.js';
import { compile, type Executable } from '../runtime/compile.js';

/** A perceptual distance between image pairs: squared distances d(a_i, b_i), one per row. */
export interface PairDistance {
  name: string;
  distances(a: Tensor, b: Tensor): Promise<Float64Array>;
}

function checkPair(a: Tensor, b: Tensor): void {
  if (a.rank !== 4 || a.shape.join() !== b.shape.join())
    throw new ShapeError(`pair distance: images must be two equal [N, C, H, W] batches, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
}

/** Squared L2 distance between the classifier's penultimate features (the domain's perceptual space). */
export function classifierDistance(classifier: Classifier): PairDistance {
  return {
    name: `${classifier.name} features (squared L2)`,
    async distances(a, b) {
      checkPair(a, b);
      const n = a.shape[0];
      const fa = (await predict(classifier, a)).features;
      const fb = (await predict(classifier, b)).features;
      const d = fa.shape[1];
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (fa.data[i * d + j] - fb.data[i * d + j]) ** 2;
        out[i] = s;
      }
      return out;
    },
  };
}

const LPIPS_TAPS = ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3', 'relu5_3'] as const;

/**
 * LPIPS-style distance on torchvision VGG16 features (Zhang et al. 2018, the network StyleGAN's PPL
 * uses) without LPIPS's learned per-channel weights, which do not ship: at relu1_2 … relu5_3 each
 * position's feature vector is normalised to unit length, and the squared differences are summed
 * over channels, averaged over positions and summed over layers ('lin' = 1). Grey images are
 * repeated to RGB; images in [−1, 1] get ImageNet normalisation.
 */
export async function vggDistance(stateDictPath: string): Promise<PairDistance> {
  const weights = new Weights(stateDictFrom(await loadTorchFile(stateDictPath), stateDictPath), 'constant', stateDictPath);
  const cfg = inferVggConfig(weights);
  if (cfg.layers.length < 13) throw new ArgumentError(`${stateDictPath}: VGG16 needs 13 conv layers, found ${cfg.layers.length}`);
  const programs = new Map<string, Promise<Executable>>();
  const normalise = (f: Value) => div(f, add(sqrt(reduceSum(square(f), [1], true)), 1e-10));
  return {
    name: `VGG16 ${LPIPS_TAPS.join('/')} (unit-normalised, lin = 1)`,
    async distances(a, b) {
      checkPair(a, b);
      const key = a.shape.join('x');
      let exe = programs.get(key);
      if (!exe) {
        exe = (async () => {
          const xa = input('a', a.shape);
          const xb = input('b', b.shape);
          const rgb = (x: Value) => imagenetNormalize(x.shape[1] === 1 ? concat([x, x, x], 1) : x, 'signed');
          const both = concat([rgb(xa), rgb(xb)], 0);
          const feats = vggFeatures(weights.at('features'), cfg, both, LPIPS_TAPS);
          const n = a.shape[0];
          let total: Value | null = null;
          for (const t of LPIPS_TAPS) {
            const f = normalise(feats[t]);
            const fa = slice(f, [0], [n], [0]);
            const fb = slice(f, [n], [2 * n], [0]);
            const per = reduceMean(reduceSum(square(sub(fa, fb)), [1]), [1, 2]); // [n]
            total = total ? add(total, per) : per;
          }
          return compile({ inputs: [xa, xb], outputs: [total!], outputNames: ['d'] });
        })();
        programs.set(key, exe);
      }
      const out = await (await exe).runNamed({ a: a.toFloat32(), b: b.toFloat32() });
      return Float64Array.from(out.d.toFloat32().data);
    },
  };
}
