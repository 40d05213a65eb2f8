import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { add, mul, sub } from '../../graph/ops/elementwise.js';
import { expand, reshape } from '../../graph/ops/movement.js';
import type { Program } from '../../graph/program.js';
import { Tensor } from '../../core/tensor.js';
import { input, type Value } from '../../graph/value.js';
import { dcganDiscriminate, dcganGenerate } from '../dcgan/networks.js';
import type { DcganDiscriminatorConfig } from '../dcgan/config.js';
import type { GanModel } from '../ganModel.js';
import { discriminatorGraph } from '../stylegan2/discriminator.js';
import { mapToW } from '../stylegan2/mapping.js';
import { styleSynthesis } from '../styleGraph.js';
import { Weights } from '../../nn/weights.js';
import { toOnnx } from '../../runtime/compile.js';
import { writeSafetensors } from '../../formats/safetensors.js';
import { writeFileAtomic } from '../../formats/atomicFiles.js';

export interface ExportedGraph {
  file: string;
  inputs: { name: string; shape: readonly number[]; dtype: string }[];
  outputs: { name: string; shape: readonly number[]; dtype: string }[];
  description: string;
}

/** The model's stored noise maps, fed to synthesis.onnx's noise inputs for NVIDIA's noise_mode='const'. */
export interface ExportedNoise {
  file: string;
  /** Graph input name -> tensor name in `file` (the same name), each [1, 1, r, r] float32: tile it over the batch. */
  inputs: Record<string, string>;
  description: string;
}

export interface OnnxExport {
  graphs: ExportedGraph[];
  /** StyleGAN2 only. */
  noiseConst: ExportedNoise | null;
}

/** The file beside the graphs holding the const noise maps. */
export const NOISE_CONST_FILE = 'noise_const.safetensors';

/** How onnx.json tells a runtime to reproduce `latentlab generate` from the graphs. */
const RECIPE = {
  z: 'seed -> np.random.RandomState(seed).randn(1, z_dim) cast to float32 (NVIDIA generate.py)',
  image: 'img [N, C, R, R] -> uint8 = clamp(floor(img * 127.5 + 128), 0, 255) (NVIDIA: (img * 127.5 + 128).clamp(0, 255).to(uint8))',
};

function describe(p: Program): Pick<ExportedGraph, 'inputs' | 'outputs'> {
  const io = (v: Value, name: string) => ({ name, shape: v.shape, dtype: v.dtype });
  return {
    inputs: p.inputs.map((v) => io(v, v.source.kind === 'input' ? v.source.name : '?')),
    outputs: p.outputs.map((v, i) => io(v, p.outputNames[i])),
  };
}

/**
 * Writes standalone ONNX graphs (opset 18, weights as initializers) for any ONNX runtime, plus
 * `onnx.json` describing their inputs and outputs and a copy of the bundle manifest.
 * StyleGAN2: mapping (z[, c], psi -> ws with truncation toward w_avg), synthesis (ws + one explicit
 * noise input per conv layer; feed zeros for noise 'none' or the stored maps for 'const', written
 * to noise_const.safetensors), discriminator. StyleGAN3: the same, its synthesis taking ws + the
 * input transform [3, 3] (no noise inputs). DCGAN: generator, discriminator.
 */
export interface ExportOnnxOptions {
  /** Generator weights stored as float16 in the graphs, cast to float32 inside (half the size). */
  fp16?: boolean;
  /** Leave out the discriminator (the web export needs only the generator). */
  generatorOnly?: boolean;
}

export async function exportOnnx(model: GanModel, outDir: string, batch = 1, opts: ExportOnnxOptions = {}): Promise<OnnxExport> {
  const generatorWeights = () => (opts.fp16 ? new Weights(model.g, 'constant-fp16', model.name) : model.generatorWeights());
  const withD = Boolean(model.d) && !opts.generatorOnly;
  await mkdir(outDir, { recursive: true });
  const graphs: { name: string; program: Program; description: string }[] = [];
  let noiseConst: ExportedNoise | null = null;
  if (model.hasWSpace) {
    const cfg = model.styleSpace();
    const g = generatorWeights();
    const z = input('z', [batch, cfg.zDim]);
    const c = cfg.cDim ? input('c', [batch, cfg.cDim]) : null;
    const psi = input('psi', [1]);
    const w = mapToW(g.at('mapping'), cfg, z, c);
    const wAvg = reshape(g.at('mapping').get('w_avg', [cfg.wDim]), [1, cfg.wDim]);
    const truncated = add(wAvg, mul(sub(w, wAvg), psi));
    const ws = expand(reshape(truncated, [batch, 1, cfg.wDim]), [batch, cfg.numWs, cfg.wDim]);
    graphs.push({
      name: 'mapping',
      program: { inputs: c ? [z, c, psi] : [z, psi], outputs: [ws], outputNames: ['ws'] },
      description: 'z [N, z_dim] (and one-hot c) -> ws [N, num_ws, w_dim]; psi = truncation (1 = none), applied to every row',
    });
    const wsIn = input('ws', [batch, cfg.numWs, cfg.wDim]);
    if (model.architecture === 'stylegan3') {
      // StyleGAN3: no noise inputs; the input layer's transform is an input (gen_images.py's
      // inv(make_transform(translate, rotate)); the identity for an untransformed image).
      const transform = input('transform', [3, 3]);
      const img = styleSynthesis(model, wsIn, { transform }, g.at('synthesis'));
      graphs.push({
        name: 'synthesis',
        program: { inputs: [wsIn, transform], outputs: [img], outputNames: ['img'] },
        description: 'ws [N, num_ws, w_dim] + transform [3, 3] (replaces synthesis.input.transform: inv(make_transform(translate, rotate)), identity = none) -> img [N, C, R, R] in about [-1, 1]',
      });
    } else {
      const layers = model.stylegan2().layers;
      const noise: Record<string, Value> = {};
      for (const l of layers) if (l.kind === 'conv') noise[l.name] = input(`noise.${l.name}`, [batch, 1, l.resolution, l.resolution]);
      const img = styleSynthesis(model, wsIn, { noise }, g.at('synthesis'));
      const maps: Record<string, Tensor> = {};
      for (const l of layers) {
        if (l.kind !== 'conv') continue;
        const t = g.at(l.name).tensor('noise_const', [l.resolution, l.resolution]).toFloat32();
        maps[`noise.${l.name}`] = new Tensor('float32', [1, 1, l.resolution, l.resolution], t.data);
      }
      await writeFileAtomic(join(outDir, NOISE_CONST_FILE), writeSafetensors(maps, { format: 'latentlab-noise-const' }));
      noiseConst = {
        file: NOISE_CONST_FILE,
        inputs: Object.fromEntries(Object.keys(maps).map((k) => [k, k])),
        description:
          "the generator's stored noise maps (noise_const buffers): feed them to synthesis.onnx's noise inputs (tiled over the batch) " +
          "to reproduce noise_mode='const', NVIDIA's default and `latentlab generate`'s; zeros give noise_mode='none', N(0, 1) maps 'random'",
      };
      graphs.push({
        name: 'synthesis',
        program: { inputs: [wsIn, ...Object.values(noise)], outputs: [img], outputNames: ['img'] },
        description: 'ws [N, num_ws, w_dim] + unit-variance noise maps per conv layer (scaled by each layer\'s noise_strength inside) -> img [N, C, R, R] in about [-1, 1]',
      });
    }
    if (withD) {
      const x = input('img', [Math.max(batch, 1), model.imgChannels, model.resolution, model.resolution]);
      const dc = cfg.cDim ? input('c', [batch, cfg.cDim]) : null;
      const logits = discriminatorGraph(model.discriminatorWeights().at(''), model.discriminatorConfig(), x, dc);
      graphs.push({ name: 'discriminator', program: { inputs: dc ? [x, dc] : [x], outputs: [logits], outputNames: ['logits'] }, description: 'img -> logits [N, 1]' });
    }
  } else {
    const cfg = model.dcgan();
    const z = input('z', [batch, cfg.nz]);
    graphs.push({
      name: 'generator',
      program: { inputs: [z], outputs: [dcganGenerate(generatorWeights().at(''), cfg, z)], outputNames: ['img'] },
      description: 'z [N, nz] -> img [N, nc, R, R] in (-1, 1) (BatchNorm in eval mode)',
    });
    if (withD) {
      const x = input('img', [batch, cfg.nc, cfg.imageSize, cfg.imageSize]);
      const p = dcganDiscriminate(model.discriminatorWeights().at(''), model.manifest.discriminator as DcganDiscriminatorConfig, x);
      graphs.push({ name: 'discriminator', program: { inputs: [x], outputs: [p], outputNames: ['prob'] }, description: 'img -> probability [N] (after the sigmoid)' });
    }
  }
  const written: ExportedGraph[] = [];
  for (const gr of graphs) {
    const file = `${gr.name}.onnx`;
    await writeFileAtomic(join(outDir, file), toOnnx(gr.program).bytes);
    written.push({ file, description: gr.description, ...describe(gr.program) });
  }
  await writeFileAtomic(join(outDir, 'model.json'), `${JSON.stringify(model.manifest, null, 2)}\n`);
  const description = { opset: 18, batch, weights: opts.fp16 ? 'float16' : 'float32', graphs: written, noiseConst, recipe: RECIPE };
  await writeFileAtomic(join(outDir, 'onnx.json'), `${JSON.stringify(description, null, 2)}\n`);
  return { graphs: written, noiseConst };
}
