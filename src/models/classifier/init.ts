import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';
import { type ClassifierConfig, resolveClassifier } from './config.js';

/**
 * Fresh classifier weights from a seeded RandomState: convs and the dense head's `fc1` He-normal for
 * the leaky ReLU (std = √(2/(1+a²)/fan_in), torch's kaiming_normal_; fc1 bias 0), BatchNorm weight
 * 1, bias 0 with fresh running statistics, `fc` as torch's nn.Linear (uniform ±1/√fan_in).
 */
export function initClassifierWeights(cfg: ClassifierConfig, seed = 0): Map<string, Tensor> {
  const r = resolveClassifier(cfg);
  const rng = new RandomState(seed);
  const sd = new Map<string, Tensor>();
  const gain = Math.sqrt(2 / (1 + r.lreluSlope ** 2));
  for (const l of r.layers) {
    const fanIn = l.inChannels * 9;
    const std = gain / Math.sqrt(fanIn);
    const shape = [l.outChannels, l.inChannels, 3, 3];
    sd.set(
      `conv${l.index}.weight`,
      Tensor.float32(
        shape,
        Array.from(rng.randn(fanIn * l.outChannels), (v) => v * std),
      ),
    );
    const c = l.outChannels;
    sd.set(`bn${l.index}.weight`, Tensor.float32([c], new Array(c).fill(1)));
    sd.set(`bn${l.index}.bias`, Tensor.float32([c]));
    sd.set(`bn${l.index}.running_mean`, Tensor.float32([c]));
    sd.set(`bn${l.index}.running_var`, Tensor.float32([c], new Array(c).fill(1)));
    sd.set(`bn${l.index}.num_batches_tracked`, Tensor.int64([], [0]));
  }
  if (r.head === 'dense') {
    const fanIn = r.finalChannels * r.finalSide * r.finalSide;
    const std = gain / Math.sqrt(fanIn);
    sd.set(
      'fc1.weight',
      Tensor.float32(
        [r.featureDim, fanIn],
        Array.from(rng.randn(r.featureDim * fanIn), (v) => v * std),
      ),
    );
    sd.set('fc1.bias', Tensor.float32([r.featureDim]));
  }
  const bound = 1 / Math.sqrt(r.featureDim);
  const uniform = (n: number) => Array.from(rng.rand(n), (u) => (2 * u - 1) * bound);
  sd.set('fc.weight', Tensor.float32([r.numClasses, r.featureDim], uniform(r.numClasses * r.featureDim)));
  sd.set('fc.bias', Tensor.float32([r.numClasses], uniform(r.numClasses)));
  return sd;
}
