import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/core/tensor.js';
import { loadNpy } from '../../src/formats/files.js';
import { grad } from '../../src/graph/autodiff.js';
import { mul } from '../../src/graph/ops/elementwise.js';
import { reduceSum } from '../../src/graph/ops/reduce.js';
import { type InputSpec, trace } from '../../src/graph/program.js';
import { readImage } from '../../src/index.js';
import type { GanModel } from '../../src/models/ganModel.js';
import { discriminate, mapZ, synthesize } from '../../src/models/generate.js';
import { loadModel } from '../../src/models/io/loadModel.js';
import { styleSynthesis } from '../../src/models/styleGraph.js';
import { broadcastWs, mapToW } from '../../src/models/stylegan2/mapping.js';
import { synthesisInput } from '../../src/models/stylegan3/synthesis.js';
import { compile } from '../../src/runtime/compile.js';
import { latentlab } from '../cli/run.js';
import { maxAbsDiff, relL2 } from '../fixtures.js';
import { expectLayersMatchTable, type Sg3LayerTableRow } from './sg3LayerTable.js';

/**
 * Parity checks for one StyleGAN3 reference case in the fixtures' layout (manifest.json + npy files +
 * network-snapshot-000000.pkl), as written by tools/make_sg3_references.py from NVIDIA's own code.
 * Everything goes through the public importer (`loadModel` on the pickle) and the verbs' entry points
 * (mapZ with labels and truncation, synthesize, discriminate, the CLI's generate --class).
 * Tolerances are each file's `suggested_atol` (max(1e-4, 1e-5 max|ref|), the fixtures' rule) and, for
 * gradients, `suggested_rel_l2` (5e-3, inside fixtures F's 4e-3..7e-3: the leaky ReLU's kinks on the
 * upsampled maps move float32 gradients by a relative ~1e-3).
 */

interface FileEntry {
  role: string;
  suggested_atol?: number;
  suggested_rel_l2?: number;
  labels?: number[] | null;
}

interface Manifest {
  files: Record<string, FileEntry>;
  config: {
    num_ws: number;
    crossover: number;
    G_kwargs?: { class_name?: string };
    gen_images?: { seeds: number[]; class_idx: number; psi: number; translate: [number, number]; rotate: number } | null;
  };
  layer_table: Sg3LayerTableRow[];
}

/**
 * StyleGAN3 case folders directly under `root`: a manifest.json whose G is NVlabs/stylegan3's Generator
 * (the fixtures' and tools/make_sg3_references.py's layout) beside network-snapshot-000000.pkl.
 */
export function referenceCases(root: string | undefined, skip: readonly string[] = []): string[] {
  if (!root || !existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => !skip.includes(name) && existsSync(join(root, name, 'network-snapshot-000000.pkl')))
    .map((name) => join(root, name))
    .filter((dir) => {
      if (!existsSync(join(dir, 'manifest.json'))) return false;
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      return m.config?.G_kwargs?.class_name === 'training.networks_stylegan3.Generator';
    })
    .sort();
}

/** Registers the describe block for the case in `dir`. */
export function describeSg3Reference(dir: string): void {
  const name = dir.split('/').filter(Boolean).pop()!;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const pkl = join(dir, 'network-snapshot-000000.pkl');
  const load = (f: string) => loadNpy(join(dir, f));
  const report = process.env.LATENTLAB_REPORT;

  describe(`StyleGAN3 reference ${name}`, () => {
    let model: GanModel;
    let c: Tensor | undefined;
    const expectClose = async (file: string, got: Tensor) => {
      const entry = manifest.files[file];
      const ref = await load(file);
      const err = maxAbsDiff(got, ref);
      if (report) console.log(`${name}/${file}: max abs ${err.toExponential(2)} (atol ${entry.suggested_atol})`);
      expect(err, `${name}/${file}: max abs error ${err}`).toBeLessThanOrEqual(entry.suggested_atol!);
    };

    beforeAll(async () => {
      model = await loadModel(pkl);
      const labels = await load('c.npy'); // [N, c_dim], [N, 0] for unconditional models
      if (labels.shape[1] > 0) c = labels;
    });
    afterAll(() => model?.release());

    it('imports with the dims and the layer table NVIDIA computed', () => {
      const cfg = model.stylegan3();
      const [input, ...rows] = manifest.layer_table;
      expect(cfg.numWs).toBe(manifest.config.num_ws);
      expect(model.cDim).toBe(c?.shape[1] ?? 0);
      expect(cfg.input).toEqual({ channels: input.channels, size: input.size![0], samplingRate: input.sampling_rate, bandwidth: input.bandwidth });
      expect(cfg.layers.map((l) => ({ layer: `synthesis.${l.name}`, ws_index: l.wsIndex }))).toEqual(rows.map((r) => ({ layer: r.layer, ws_index: r.ws_index })));
      expectLayersMatchTable(cfg.layers, rows);
      expect(cfg.convClamp).toBe(rows[0].conv_clamp ?? null);
    });

    it('mapping with labels and truncation, synthesis (stored / identity transform, W+, mixing), G vs G_ema', async () => {
      const [z, z2, wsPlus, wsMix] = await Promise.all(['z.npy', 'z2.npy', 'ws_plus.npy', 'ws_mix.npy'].map(load));
      const ws1 = await mapZ(model, z, { c });
      const ws7 = await mapZ(model, z, { c, psi: 0.7 });
      const ws7c = await mapZ(model, z, { c, psi: 0.7, cutoff: 2 });
      await expectClose('ws_psi1.npy', ws1);
      await expectClose('ws_psi0.7.npy', ws7);
      await expectClose('ws_psi0.7_cutoff2.npy', ws7c);
      await expectClose('img_const.npy', await synthesize(model, ws1));
      await expectClose('img_psi0.7_const.npy', await synthesize(model, ws7));
      await expectClose('img_G_forward_psi0.7_cutoff2_const.npy', await synthesize(model, ws7c));
      await expectClose('img_wplus_const.npy', await synthesize(model, wsPlus));
      await expectClose('img_mix_const.npy', await synthesize(model, wsMix));
      await expectClose('img_identity_transform_const.npy', await synthesize(model, ws1, { transform: Tensor.float32([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]) }));
      // ws_mix rows from the crossover on are z2's mapping output (with the same labels)
      const own = await mapZ(model, z2, { c });
      const [n, numWs, wDim] = wsMix.shape;
      let err = 0;
      for (let i = 0; i < n; i++) {
        for (let r = manifest.config.crossover; r < numWs; r++) {
          for (let k = 0; k < wDim; k++) err = Math.max(err, Math.abs(Number(own.data[(i * numWs + r) * wDim + k]) - Number(wsMix.data[(i * numWs + r) * wDim + k])));
        }
      }
      expect(err).toBeLessThanOrEqual(manifest.files['ws_psi1.npy'].suggested_atol!);
      const g = await loadModel(pkl, { network: 'G' });
      try {
        await expectClose('G_img_const.npy', await synthesize(g, await mapZ(g, z, { c })));
      } finally {
        await g.release();
      }
    }, 600_000);

    it('D logits (with labels for conditional models)', async () => {
      const [img, imgPlus] = await Promise.all([load('img_const.npy'), load('img_wplus_const.npy')]);
      await expectClose('D_logits_img_const.npy', await discriminate(model, img, c));
      await expectClose('D_logits_img_wplus.npy', await discriminate(model, imgPlus, c));
    });

    it('gradients of sum(img * R) with respect to ws and z (and the input layer)', async () => {
      const [z, R, ws] = await Promise.all(['z.npy', 'R.npy', 'ws_psi1.npy'].map(load));
      const space = model.styleSpace();
      const specs: Record<string, InputSpec> = { z: { shape: z.shape }, R: { shape: R.shape }, ws: { shape: ws.shape } };
      if (c) specs.c = { shape: c.shape };
      const program = trace(specs, (v) => {
        const m = model.generatorWeights().at('mapping');
        const img = styleSynthesis(model, v.ws);
        const imgZ = styleSynthesis(model, broadcastWs(m, space, mapToW(m, space, v.z, space.cDim ? v.c : null)));
        const [gws] = grad(reduceSum(mul(img, v.R)), [v.ws]);
        const [gz] = grad(reduceSum(mul(imgZ, v.R)), [v.z]);
        const feats = synthesisInput(model.generatorWeights().at('synthesis').at('input'), model.stylegan3().input, mapToW(m, space, v.z, space.cDim ? v.c : null));
        return { gws, gz, feats };
      });
      const out = await (await compile(program)).runNamed(c ? { z, R, ws, c } : { z, R, ws });
      for (const [file, got] of [
        ['grad_ws.npy', out.gws],
        ['grad_z.npy', out.gz],
      ] as const) {
        const ref = await load(file);
        const entry = manifest.files[file];
        const rel = relL2(got, ref);
        if (report) console.log(`${name}/${file}: rel L2 ${rel.toExponential(2)} (${entry.suggested_rel_l2}), max abs ${maxAbsDiff(got, ref).toExponential(2)}`);
        expect(rel, `${name}/${file}: relative L2 error ${rel}`).toBeLessThanOrEqual(entry.suggested_rel_l2!);
        expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(entry.suggested_atol!);
      }
      if (manifest.files['input_features.npy']) await expectClose('input_features.npy', out.feats);
    }, 600_000);

    it.runIf(Boolean(manifest.config.gen_images))('generate --class --trunc --translate --rotate writes the pixels gen_images.py computes', async () => {
      const gi = manifest.config.gen_images!;
      const tmp = mkdtempSync(join(tmpdir(), 'latentlab-sg3ref-'));
      try {
        const r = latentlab('generate', '--model', pkl, '--seeds', gi.seeds.join(','), '--class', String(gi.class_idx), '--trunc', String(gi.psi), '--translate', gi.translate.join(','), '--rotate', String(gi.rotate), '--outdir', tmp);
        expect(r.code, r.stderr).toBe(0);
        const ref = await load('gen_images_uint8.npy'); // [seeds, H, W, C]
        // img * 127.5 + 128 before truncation: an image within 1e-4 of NVIDIA's is within 127.5e-4 of it, so
        // a pixel that close to an integer may land on either side (t128_cond10: 1 of 49152); none other may.
        const pre = manifest.files['gen_images_prequant.npy'] ? await load('gen_images_prequant.npy') : null;
        const nearInteger = (at: number) => pre !== null && Math.abs(Number(pre.data[at]) - Math.round(Number(pre.data[at]))) <= 127.5e-4;
        const [, h, w, ch] = ref.shape;
        for (const [i, seed] of gi.seeds.entries()) {
          const files = readdirSync(tmp).filter((f) => f.includes(String(seed).padStart(4, '0')) && f.endsWith('.png'));
          expect(files.length, `${name}: no PNG for seed ${seed} in ${readdirSync(tmp).join(', ')}`).toBe(1);
          const img = await readImage(join(tmp, files[0]));
          expect([img.height, img.width]).toEqual([h, w]);
          let differing = 0;
          let boundary = 0;
          for (let p = 0; p < h * w; p++) {
            for (let k = 0; k < ch; k++) {
              const at = (i * h * w + p) * ch + k;
              const d = Math.abs(img.data[p * img.channels + k] - Number(ref.data[at]));
              if (d === 1 && nearInteger(at)) boundary++;
              else if (d !== 0) differing++;
            }
          }
          if (report) console.log(`${name}: seed ${seed}: ${boundary} of ${h * w * ch} bytes off by 1 at a rounding boundary`);
          expect(differing, `${name}: seed ${seed}: ${differing} of ${h * w * ch} bytes differ from gen_images.py's`).toBe(0);
          expect(boundary).toBeLessThanOrEqual(Math.ceil(1e-3 * h * w * ch));
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 300_000);
  });
}
