/**
 * Classifier confidence along latent interpolation paths vs pixel cross-fades (README claim).
 * Re-run: LATENTLAB_THREADS=1 npx tsx bench/latentPaths.ts [pairs=100] [framesPerSegment=8]
 * Same numbers as `latentlab interpolate --measure N`; prints one table row per model/space.
 */
import { loadModel, pathConfidence, readClassifierBundle } from '../src/index.js';

const pairs = Number(process.argv[2] ?? 100);
const framesPerSegment = Number(process.argv[3] ?? 8);
const classifier = await readClassifierBundle('models/fmnist-classifier');
const rows: string[] = [];
const cases = [
  { dir: 'models/fmnist-stylegan2', space: 'z' as const },
  { dir: 'models/fmnist-stylegan2', space: 'w' as const },
  { dir: 'models/fmnist-dcgan', space: 'z' as const },
];
for (const c of cases) {
  const model = await loadModel(c.dir);
  const t0 = performance.now();
  const r = await pathConfidence(model, classifier, { pairs, framesPerSegment, space: c.space });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  const f = (x: number) => x.toFixed(3);
  rows.push(
    `| ${model.name} | ${r.space} ${r.method} | ${f(r.latent.perFrame[0])} | ${f(r.latent.mid)} | ${f(r.pixel.mid)} | ${f(r.latent.interior)} | ${f(r.pixel.interior)} | ${f(r.latent.min)} | ${f(r.pixel.min)} | ${f(r.latent.midAgreesWithEndpoint)} | ${f(r.pixel.midAgreesWithEndpoint)} | ${s} s |`,
  );
  await model.release();
}
console.log(`${pairs} seed pairs (seeds 0..${2 * pairs - 1}), ${framesPerSegment + 1} frames per path, classifier ${classifier.name}`);
console.log('| model | path | endpoint conf | mid conf (latent) | mid conf (pixel) | interior conf (latent) | interior conf (pixel) | min conf (latent) | min conf (pixel) | mid class = an endpoint class (latent) | (pixel) | time |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
