import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { add, mul, sub } from '../graph/ops/elementwise.js';
import { expand, reshape } from '../graph/ops/movement.js';
import type { Program } from '../graph/program.js';
import { input, type Value } from '../graph/value.js';
import { dcganDiscriminate, dcganGenerate } from '../models/dcgan/networks.js';
import type { DcganDiscriminatorConfig } from '../models/dcgan/config.js';
import type { GanModel } from '../models/ganModel.js';
import { discriminate } from '../models/stylegan2/discriminator.js';
import { mapToW } from '../models/stylegan2/mapping.js';
import { styleSynthesis } from '../models/styleGraph.js';
import { toOnnx } from '../runtime/compile.js';

export interface ExportedGraph {
  file: string;
  inputs: { name: string; shape: readonly number[]; dtype: string }[];
  outputs: { name: string; shape: readonly number[]; dtype: string }[];
  description: string;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

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
 * noise input per conv layer; feed zeros for noise 'none' or the stored maps for 'const'),
 * discriminator. StyleGAN3: the same, its synthesis taking ws + the input transform [3, 3].
 * DCGAN: generator, discriminator.
 */
export async function exportOnnx(model: GanModel, outDir: string, batch = 1): Promise<ExportedGraph[]> {
  await mkdir(outDir, { recursive: true });
  const graphs: { name: string; program: Program; description: string }[] = [];
  if (model.hasWSpace) {
    const cfg = model.styleSpace();
    const { imgResolution, imgChannels } = { imgResolution: model.resolution, imgChannels: model.imgChannels };
    const g = model.generatorWeights();
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
      const img = styleSynthesis(model, wsIn, { transform });
      graphs.push({
        name: 'synthesis',
        program: { inputs: [wsIn, transform], outputs: [img], outputNames: ['img'] },
        description: 'ws [N, num_ws, w_dim] + transform [3, 3] (replaces synthesis.input.transform: inv(make_transform(translate, rotate)), identity = none) -> img [N, C, R, R] in about [-1, 1]',
      });
    } else {
      const noise: Record<string, Value> = {};
      for (const l of model.stylegan2().layers) if (l.kind === 'conv') noise[l.name] = input(`noise.${l.name}`, [batch, 1, l.resolution, l.resolution]);
      const img = styleSynthesis(model, wsIn, { noise });
      graphs.push({
        name: 'synthesis',
        program: { inputs: [wsIn, ...Object.values(noise)], outputs: [img], outputNames: ['img'] },
        description: 'ws [N, num_ws, w_dim] + unit-variance noise maps per conv layer (scaled by each layer\'s noise_strength inside) -> img [N, C, R, R] in about [-1, 1]',
      });
    }
    if (model.d) {
      const x = input('img', [Math.max(batch, 1), imgChannels, imgResolution, imgResolution]);
      const dc = cfg.cDim ? input('c', [batch, cfg.cDim]) : null;
      const logits = discriminate(model.discriminatorWeights().at(''), model.discriminatorConfig(), x, dc);
      graphs.push({ name: 'discriminator', program: { inputs: dc ? [x, dc] : [x], outputs: [logits], outputNames: ['logits'] }, description: 'img -> logits [N, 1]' });
    }
  } else {
    const cfg = model.dcgan();
    const z = input('z', [batch, cfg.nz]);
    graphs.push({
      name: 'generator',
      program: { inputs: [z], outputs: [dcganGenerate(model.generatorWeights().at(''), cfg, z)], outputNames: ['img'] },
      description: 'z [N, nz] -> img [N, nc, R, R] in (-1, 1) (BatchNorm in eval mode)',
    });
    if (model.d) {
      const x = input('img', [batch, cfg.nc, cfg.imageSize, cfg.imageSize]);
      const p = dcganDiscriminate(model.discriminatorWeights().at(''), model.manifest.discriminator as DcganDiscriminatorConfig, x);
      graphs.push({ name: 'discriminator', program: { inputs: [x], outputs: [p], outputNames: ['prob'] }, description: 'img -> probability [N] (after the sigmoid)' });
    }
  }
  const written: ExportedGraph[] = [];
  for (const gr of graphs) {
    const file = `${gr.name}.onnx`;
    await writeAtomic(join(outDir, file), toOnnx(gr.program).bytes);
    written.push({ file, description: gr.description, ...describe(gr.program) });
  }
  await writeAtomic(join(outDir, 'model.json'), `${JSON.stringify(model.manifest, null, 2)}\n`);
  await writeAtomic(join(outDir, 'onnx.json'), `${JSON.stringify({ opset: 18, batch, graphs: written }, null, 2)}\n`);
  return written;
}
