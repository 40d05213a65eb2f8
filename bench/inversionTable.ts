/**
 * The README's projection comparison (issue 6): Fashion-MNIST test images projected with the shipped
 * models; per row the mean PSNR / SSIM / classifier feature distance and seconds per image.
 *
 *   npx tsx bench/inversionTable.ts [--num 100] [--steps 1000] [--batch 25] [--rows sg2.w.adam,...]
 *                                   [--feature-weight 0.05] [--json out.json] [--model models/fmnist-stylegan2]
 *
 * Rows: StyleGAN2 W / W+ / Z with Adam (NVIDIA's schedule) and with L-BFGS, DCGAN Z with Adam and
 * L-BFGS. Every row uses pixel MSE + classifier features (--feature-weight 0.05; the CLI default is 0 now), plus NVIDIA's noise
 * regulariser with optimised noise maps for StyleGAN2 with Adam; L-BFGS keeps the stored maps). Adam projects `--batch` images per program run
 * (they do not interact), so seconds/image = batch time / batch; L-BFGS runs one image at a time.
 * Encoder and hybrid rows plug in as more `Row`s (an `init` latent per image).
 */
import { writeFileSync } from 'node:fs';
import { sliceRows, Tensor } from '../src/core/tensor.js';
import { loadFashionMnist } from '../src/data/fashionMnist.js';
import { loadModel } from '../src/models/io/loadModel.js';
import { reconstructionMetrics, type ReconstructionMetrics } from '../src/inversion/metrics.js';
import { type ProjectOptions, project } from '../src/inversion/projector.js';
import type { LatentSpace } from '../src/latent/latent.js';
import { readClassifierBundle } from '../src/models/io/classifierBundle.js';
import type { GanModel } from '../src/models/ganModel.js';

interface Row {
  key: string;
  label: string;
  model: 'sg2' | 'dcgan';
  space: LatentSpace;
  optimizer: 'adam' | 'lbfgs';
}

const ROWS: Row[] = [
  { key: 'sg2.w.adam', label: 'StyleGAN2, W, Adam', model: 'sg2', space: 'w', optimizer: 'adam' },
  { key: 'sg2.w+.adam', label: 'StyleGAN2, W+, Adam', model: 'sg2', space: 'w+', optimizer: 'adam' },
  { key: 'sg2.z.adam', label: 'StyleGAN2, Z, Adam', model: 'sg2', space: 'z', optimizer: 'adam' },
  { key: 'sg2.w.lbfgs', label: 'StyleGAN2, W, L-BFGS', model: 'sg2', space: 'w', optimizer: 'lbfgs' },
  { key: 'sg2.w+.lbfgs', label: 'StyleGAN2, W+, L-BFGS', model: 'sg2', space: 'w+', optimizer: 'lbfgs' },
  { key: 'sg2.z.lbfgs', label: 'StyleGAN2, Z, L-BFGS', model: 'sg2', space: 'z', optimizer: 'lbfgs' },
  { key: 'dcgan.z.adam', label: 'DCGAN, Z, Adam', model: 'dcgan', space: 'z', optimizer: 'adam' },
  { key: 'dcgan.z.lbfgs', label: 'DCGAN, Z, L-BFGS', model: 'dcgan', space: 'z', optimizer: 'lbfgs' },
];

function parseArgs(argv: string[]) {
  const a = { num: 100, steps: 1000, batch: 25, rows: ROWS.map((r) => r.key), featureWeight: 0.05, json: undefined as string | undefined, model: 'models/fmnist-stylegan2' };
  for (let i = 0; i < argv.length; i++) {
    const v = () => argv[++i];
    const k = argv[i];
    if (k === '--num') a.num = Number(v());
    else if (k === '--steps') a.steps = Number(v());
    else if (k === '--batch') a.batch = Number(v());
    else if (k === '--rows') a.rows = v().split(',');
    else if (k === '--feature-weight') a.featureWeight = Number(v());
    else if (k === '--json') a.json = v();
    else if (k === '--model') a.model = v();
    else throw new Error(`unknown argument ${k}`);
  }
  for (const r of a.rows) if (!ROWS.some((x) => x.key === r)) throw new Error(`unknown row ${r} (have ${ROWS.map((x) => x.key).join(', ')})`);
  return a;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ds = await loadFashionMnist('test', { pad: 32, limit: args.num });
  const targets = Tensor.float32([ds.size, 1, 32, 32]);
  for (let i = 0; i < ds.size; i++) targets.data.set(ds.image(i), i * 1024);
  const classifier = await readClassifierBundle('models/fmnist-classifier');
  const models: Record<Row['model'], GanModel> = { sg2: await loadModel(args.model), dcgan: await loadModel('models/fmnist-dcgan') };
  const results: { row: Row; psnr: number; ssim: number; featureDistance: number; secondsPerImage: number }[] = [];
  console.log(`${ds.size} Fashion-MNIST test images, ${args.steps} steps, Adam batch ${args.batch}, loss: MSE + ${args.featureWeight} x classifier features (+ 1e5 noise reg, StyleGAN2)`);
  for (const key of args.rows) {
    const row = ROWS.find((r) => r.key === key)!;
    const model = models[row.model];
    const opts: ProjectOptions = {
      space: row.space,
      optimizer: row.optimizer,
      numSteps: args.steps,
      losses: { mse: 1, classifier: args.featureWeight, noise: row.model === 'sg2' && row.optimizer === 'adam' ? 1e5 : 0 },
      nets: { classifier },
    };
    const metrics: ReconstructionMetrics[] = [];
    let seconds = 0;
    const batch = row.optimizer === 'adam' ? args.batch : 1;
    for (let start = 0; start < ds.size; start += batch) {
      const count = Math.min(batch, ds.size - start);
      const target = sliceRows(targets, start, count);
      const t0 = performance.now();
      const r = await project(model, target, opts);
      seconds += (performance.now() - t0) / 1000;
      metrics.push(...(await reconstructionMetrics(r.images, target, classifier)));
      process.stderr.write(`  ${key}: ${start + count}/${ds.size}\n`);
    }
    const res = {
      row,
      psnr: mean(metrics.map((m) => m.psnr)),
      ssim: mean(metrics.map((m) => m.ssim)),
      featureDistance: mean(metrics.map((m) => m.featureDistance!)),
      secondsPerImage: seconds / ds.size,
    };
    results.push(res);
    console.log(`${row.label}: PSNR ${res.psnr.toFixed(2)} dB, SSIM ${res.ssim.toFixed(4)}, feature distance ${res.featureDistance.toFixed(3)}, ${res.secondsPerImage.toFixed(2)} s/image`);
  }
  console.log('\n| method | PSNR (dB) | SSIM | feature distance | s / image |\n| --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.row.label} | ${r.psnr.toFixed(2)} | ${r.ssim.toFixed(3)} | ${r.featureDistance.toFixed(2)} | ${r.secondsPerImage.toFixed(2)} |`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ args, results }, null, 1)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
