import { ArgumentError } from '../../core/errors.js';
import { RandomState } from '../../core/rng.js';
import { Tensor } from '../../core/tensor.js';

/** main.py's command-line sizes: what a fresh DCGAN pair is built from. */
export interface DcganSizes {
  /** Latent size (`--nz`, default 100). */
  nz: number;
  /** Generator base width (`--ngf`, default 64). */
  ngf: number;
  /** Discriminator base width (`--ndf`, default 64). */
  ndf: number;
  /** Image channels (3 for RGB, 1 for MNIST-like data). */
  nc: number;
  /** Image side, a power of two >= 8 (main.py's stack is written for 64). */
  imageSize: number;
}

export const DCGAN_PRESETS = {
  /** A few kB of weights for tests: 32×32 RGB. */
  tiny: { nz: 8, ngf: 4, ndf: 4, nc: 3, imageSize: 32 },
  /** main.py's defaults. */
  main64: { nz: 100, ngf: 64, ndf: 64, nc: 3, imageSize: 64 },
} as const satisfies Record<string, DcganSizes>;

function layerCount(imageSize: number): number {
  const depth = Math.log2(imageSize) - 1;
  if (!Number.isInteger(depth) || depth < 2)
    throw new ArgumentError(`DCGAN imageSize ${imageSize} is not a power of two >= 8`);
  return depth;
}

function normal(rng: RandomState, shape: number[], mean: number, std: number): Tensor<'float32'> {
  const z = rng.randn(shape.reduce((a, b) => a * b, 1));
  return Tensor.float32(
    shape,
    Array.from(z, (v) => mean + std * v),
  );
}

function addBatchNorm(sd: Map<string, Tensor>, prefix: string, c: number, rng: RandomState): void {
  // weights_init: BatchNorm weight ~ N(1, 0.02), bias 0; fresh running statistics.
  sd.set(`${prefix}.weight`, normal(rng, [c], 1, 0.02));
  sd.set(`${prefix}.bias`, Tensor.float32([c]));
  sd.set(`${prefix}.running_mean`, Tensor.float32([c]));
  sd.set(`${prefix}.running_var`, Tensor.float32([c], new Array(c).fill(1)));
  sd.set(`${prefix}.num_batches_tracked`, Tensor.int64([], [0]));
}

/**
 * State dicts of a freshly initialised netG/netD pair laid out as main.py's Sequential would
 * be for `imageSize` (G: ConvT·BN·ReLU triples; D: Conv·LReLU, then Conv·BN·LReLU triples),
 * initialised like its `weights_init` (conv ~ N(0, 0.02)) from a seeded RandomState.
 */
export function dcganInitialStateDicts(
  s: DcganSizes,
  seed = 0,
): { netG: Map<string, Tensor>; netD: Map<string, Tensor> } {
  const depth = layerCount(s.imageSize);
  const rng = new RandomState(seed);
  const netG = new Map<string, Tensor>();
  let cin = s.nz;
  for (let l = 0; l < depth; l++) {
    const last = l === depth - 1;
    const cout = last ? s.nc : s.ngf * 2 ** (depth - 2 - l);
    netG.set(`main.${3 * l}.weight`, normal(rng, [cin, cout, 4, 4], 0, 0.02)); // ConvTranspose: [in, out, k, k]
    if (!last) addBatchNorm(netG, `main.${3 * l + 1}`, cout, rng);
    cin = cout;
  }
  const netD = new Map<string, Tensor>();
  cin = s.nc;
  for (let l = 0; l < depth; l++) {
    const last = l === depth - 1;
    const cout = last ? 1 : s.ndf * 2 ** l;
    const index = l === 0 ? 0 : 3 * l - 1; // 0, 2, 5, 8, 11...
    netD.set(`main.${index}.weight`, normal(rng, [cout, cin, 4, 4], 0, 0.02));
    if (l > 0 && !last) addBatchNorm(netD, `main.${index + 1}`, cout, rng);
    cin = cout;
  }
  return { netG, netD };
}
