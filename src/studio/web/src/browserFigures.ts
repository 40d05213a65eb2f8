// Style mixing and interpolation strips computed in the page, for "compute in the browser". The latent
// math (layer ranges, the keyframe schedule, lerp/slerp/spline) and the figure layout (grid, labels) are
// the library's own pure modules, imported as they are, so a figure made here is the server's figure:
// same layout, same codes, pixels within the float differences of wasm and native kernels.
import { blankLike, labelledGrid, upscale } from '../../../formats/imageGrid.js';
import type { RgbImage } from '../../../formats/image.js';
import { type LayerTable, parseLayerRange } from '../../../latent/layerRanges.js';
import { type InterpolationMethod, interpolateCodes, keyframeSchedule } from '../../../latent/paths.js';
import { Tensor } from '../../../core/tensor.js';
import type { BrowserGenerator, NoiseMode } from './engine/generator.js';

export interface MixRequest {
  rows: number[];
  cols: number[];
  layers: string;
  psi: number;
  noise: NoiseMode;
  scale: number;
}

export interface InterpolationRequest {
  seeds: number[];
  steps: number;
  method?: InterpolationMethod;
  loop: boolean;
  layers?: string;
  psi: number;
  noise: NoiseMode;
  scale: number;
}

/** [C, R, R] floats -> an 8-bit image with NVIDIA's conversion (as `toImages`), upscaled by `scale`. */
function image(g: BrowserGenerator, img: Float32Array, scale: number): RgbImage {
  const r = g.resolution;
  const channels = g.info.dims.channels === 1 ? 1 : 3;
  const px = r * r;
  const data = new Uint8Array(px * channels);
  for (let c = 0; c < channels; c++)
    for (let p = 0; p < px; p++) {
      const v = Math.floor(img[c * px + p] * 127.5 + 128);
      data[p * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  return upscale({ width: r, height: r, channels, data }, scale);
}

/** The layer rules' view of the loaded model (model.json is the bundle manifest). */
function layerTable(g: BrowserGenerator): LayerTable {
  return { name: g.info.name, resolution: g.resolution, numWs: g.numWs, layers: g.info.layers ?? [] };
}

/** NVIDIA's style-mixing matrix as `POST /api/mix` draws it: column images on top, row images left. */
export async function mixFigure(g: BrowserGenerator, q: MixRequest): Promise<RgbImage> {
  const rows = parseLayerRange(layerTable(g), q.layers);
  const size = g.numWs * g.wDim;
  const wsOf = async (seeds: number[]) => {
    const out: Float32Array[] = [];
    for (const s of seeds) out.push(await g.ws(g.z(s), q.psi));
    return out;
  };
  const rowWs = await wsOf(q.rows);
  const colWs = await wsOf(q.cols);
  const render = async (ws: Float32Array) => image(g, await g.render(ws, q.noise), q.scale);
  const rowImgs = [];
  for (const w of rowWs) rowImgs.push(await render(w));
  const colImgs = [];
  for (const w of colWs) colImgs.push(await render(w));
  const figure = [blankLike(rowImgs[0]), ...colImgs];
  for (let i = 0; i < rowWs.length; i++) {
    figure.push(rowImgs[i]);
    for (const col of colWs) {
      const cell = rowWs[i].slice(0, size);
      for (const r of rows) cell.set(col.subarray(r * g.wDim, (r + 1) * g.wDim), r * g.wDim);
      figure.push(await render(cell));
    }
  }
  return labelledGrid(figure, {
    columns: q.cols.length + 1,
    columnLabels: ['', ...q.cols.map(String)],
    rowLabels: ['', ...q.rows.map(String)],
  });
}

/**
 * The strip `POST /api/interpolate` draws for seed keyframes: the path through the seeds' z (slerp by
 * default), or with `layers` through their truncated ws with only those rows moving; 16 frames a row.
 */
export async function interpolationStrip(g: BrowserGenerator, q: InterpolationRequest): Promise<{ figure: RgbImage; frames: number }> {
  const schedule = keyframeSchedule(q.seeds.length, q.steps, q.loop);
  const method = q.method ?? 'slerp';
  const frames: RgbImage[] = [];
  if (q.layers && g.isStyleGan) {
    const moving = parseLayerRange(layerTable(g), q.layers);
    const keys = Tensor.float32([q.seeds.length, g.numWs, g.wDim]);
    for (let k = 0; k < q.seeds.length; k++) keys.data.set(await g.ws(g.z(q.seeds[k]), q.psi), k * g.numWs * g.wDim);
    const path = interpolateCodes(keys, schedule, { method, loop: q.loop, spherical: false, vectorSize: g.wDim, moving });
    const size = g.numWs * g.wDim;
    for (let f = 0; f < schedule.length; f++) frames.push(image(g, await g.render(path.data.slice(f * size, (f + 1) * size), q.noise), q.scale));
  } else {
    const keys = Tensor.float32([q.seeds.length, g.zDim]);
    q.seeds.forEach((s, k) => keys.data.set(g.z(s), k * g.zDim));
    const path = interpolateCodes(keys, schedule, { method, loop: q.loop, spherical: true, vectorSize: g.zDim });
    for (let f = 0; f < schedule.length; f++) {
      const z = path.data.slice(f * g.zDim, (f + 1) * g.zDim);
      frames.push(image(g, await g.render(g.isStyleGan ? await g.ws(z, q.psi) : z, q.noise), q.scale));
    }
  }
  return { figure: labelledGrid(frames, { columns: Math.min(frames.length, 16) }), frames: frames.length };
}
