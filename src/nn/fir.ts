import { Tensor } from '../core/tensor.js';
import { conv2d, convTranspose2d } from '../graph/ops/conv.js';
import { constant, type Value } from '../graph/value.js';

/**
 * FIR resampling (NVIDIA's upfirdn2d) as depthwise Conv / ConvTranspose: exact at the borders,
 * unlike ONNX Resize (engine-spike.md pitfall 6). Filters are host tensors [kh, kw].
 */

/** NVIDIA's setup_filter([1,3,3,1]): outer product normalised to sum 1. */
export function setupFilter(taps: readonly number[] = [1, 3, 3, 1]): Tensor<'float32'> {
  const n = taps.length;
  const t = Tensor.float32([n, n]);
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += taps[i] * taps[j];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t.data[i * n + j] = (taps[i] * taps[j]) / sum;
  return t;
}

const kernels = new WeakMap<Tensor, Map<string, Value>>();

/** The filter replicated per channel as a [C, 1, kh, kw] constant, times `gain`, optionally flipped. */
function depthwise(f: Tensor, channels: number, gain: number, flip: boolean): Value {
  let byKey = kernels.get(f);
  if (!byKey) kernels.set(f, (byKey = new Map()));
  const key = `${channels}:${gain}:${flip}`;
  let v = byKey.get(key);
  if (!v) {
    const [kh, kw] = f.shape;
    const src = f.toFloat32().data;
    const t = Tensor.float32([channels, 1, kh, kw]);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const from = flip ? (kh - 1 - y) * kw + (kw - 1 - x) : y * kw + x;
          t.data[(c * kh + y) * kw + x] = src[from] * gain;
        }
      }
    }
    v = constant(t);
    byKey.set(key, v);
  }
  return v;
}

/** upfirdn2d(x, f, padding=[x0, x1, y0, y1], gain): zero-pad then convolve (true convolution). */
export function filter2d(x: Value, f: Tensor, padding: readonly [number, number, number, number], gain = 1): Value {
  const [x0, x1, y0, y1] = padding;
  return conv2d(x, depthwise(f, x.shape[1], gain, true), undefined, { padding: [y0, x0, y1, x1], groups: x.shape[1] });
}

/** NVIDIA's upsample2d(x, f, up=2): zero insertion, pad, filter with gain up² => 2H. */
export function upsample2d(x: Value, f: Tensor): Value {
  const fw = f.shape[1];
  // upfirdn2d pads (fw+up-1)//2 before and (fw-up)//2 after the zero-inserted signal; as a
  // ConvTranspose with stride 2 that is pads of fw-1-that on each side.
  const p0 = fw - 1 - Math.floor((fw + 1) / 2);
  const p1 = fw - 1 - Math.floor((fw - 2) / 2) - 1;
  return convTranspose2d(x, depthwise(f, x.shape[1], 4, false), undefined, {
    stride: 2,
    padding: [p0, p0, p1, p1],
    groups: x.shape[1],
  });
}

/** NVIDIA's downsample2d(x, f, down=2): pad (fw-1)//2.. then filter with stride 2 => H/2. */
export function downsample2d(x: Value, f: Tensor): Value {
  const fw = f.shape[1];
  const p0 = Math.floor((fw - 1) / 2);
  const p1 = Math.floor((fw - 2) / 2);
  return conv2d(x, depthwise(f, x.shape[1], 1, true), undefined, {
    stride: 2,
    padding: [p0, p0, p1, p1],
    groups: x.shape[1],
  });
}
