import { join } from 'node:path';
import {
  ArgumentError,
  applyAttribute,
  attributeVector,
  classMeans,
  expressionNames,
  imagesOf,
  labelledGrid,
  type Latent,
  latentExpression,
  parseSource,
  readClassifierBundle,
  renderFrames,
  unifyLatents,
  writePng,
} from '../../index.js';
import type { Command } from '../command.js';
import {
  latentFlags,
  latentsFrom,
  layersFrom,
  modelFlag,
  modelFrom,
  outputFlags,
  parseNumbers,
  progressBar,
  saveLatentIfAsked,
  sourcesFrom,
  str,
  upscaleFactor,
} from '../explore.js';

export const arithCommand: Command = {
  name: 'arith',
  summary: 'Latent vector arithmetic (a - b + c, weighted sums) and class-mean attribute vectors applied with a strength',
  usage:
    "latentlab arith --model M --expr 'a - b + c' a=1 b=seed:2 c=latent.npz --outdir DIR\n" +
    '       latentlab arith --model M --to sneaker --from sandal --seeds 0-3 [--strengths -1:2:7] --outdir DIR',
  flags: [
    modelFlag,
    { name: 'expr', type: 'string', help: "expression over NAME=SOURCE bindings (sources: seeds or latent files): + - * / ( )" },
    { name: 'to', type: 'string', help: 'attribute mode: class to move towards (classifier label name or index)' },
    { name: 'from', type: 'string', help: 'attribute mode: class to move away from' },
    { name: 'seeds', type: 'string', help: 'attribute mode: latents to edit', default: '0-3' },
    { name: 'keys', type: 'string', help: 'attribute mode: more latents (seeds or files)' },
    { name: 'strengths', type: 'string', help: 'attribute mode: strengths, from:to:count or a list', default: '0:2:5' },
    { name: 'layers', type: 'string', help: 'attribute mode: apply only on these ws rows (coarse | 0-3 ...)' },
    { name: 'classifier', type: 'string', help: 'classifier bundle that labels samples for class means', default: 'models/fmnist-classifier' },
    { name: 'samples', type: 'number', help: 'samples drawn for the class means', default: 2000 },
    { name: 'min-confidence', type: 'number', help: 'leave out samples the classifier is less sure of', default: 0.8 },
    ...latentFlags.map((f) => (f.name === 'space' ? { ...f, default: 'w', help: `${f.help} (default w: arithmetic is most linear in W)` } : f)),
    ...outputFlags,
  ],
  async run({ flags, positionals }, out) {
    const model = await modelFrom(flags, 'arith');
    const outdir = str(flags, 'outdir', 'arith');
    const factor = upscaleFactor(flags);
    const batch = Number(flags.batch);
    if (model.architecture === 'dcgan') flags.space = 'z';
    if (flags.expr !== undefined) {
      const expr = String(flags.expr);
      const bound: Record<string, Latent> = {};
      for (const p of positionals) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(p);
        if (!m) throw new ArgumentError(`arith: '${p}' is not a binding NAME=SOURCE`);
        bound[m[1]] = await latentsFrom(model, flags, [parseSource(m[2])], `arith ${m[1]}`);
      }
      const result = latentExpression(model, expr, bound);
      const names = expressionNames(expr);
      const operands = await Promise.all(names.map((n) => renderFrames(model, bound[n], { batchSize: batch })));
      const resultImgs = imagesOf(await renderFrames(model, result, { batchSize: batch }), factor);
      const rows = result.codes.shape[0];
      const cells = [];
      for (let r = 0; r < rows; r++) {
        for (const imgs of operands) {
          const all = imagesOf(imgs, factor);
          cells.push(all[all.length === 1 ? 0 : r]);
        }
        cells.push(resultImgs[r]);
      }
      await writePng(join(outdir, 'arith.png'), labelledGrid(cells, { columns: names.length + 1, columnLabels: [...names, '= result'] }));
      out(`wrote ${join(outdir, 'arith.png')}: ${expr} (${result.space}, ${rows} result${rows > 1 ? 's' : ''})`);
      await saveLatentIfAsked(flags, result, out);
      return;
    }
    if (flags.to === undefined || flags.from === undefined) throw new ArgumentError("arith: give --expr 'a - b' with bindings, or --to CLASS --from CLASS");
    const classifier = await readClassifierBundle(String(flags.classifier));
    const means = await classMeans(model, classifier, {
      samples: Number(flags.samples),
      psi: 1,
      minConfidence: Number(flags['min-confidence']),
      batchSize: 32,
      onProgress: progressBar('class means'),
    });
    const vector = attributeVector(means, String(flags.to), String(flags.from));
    const counts = means.labels.map((l, i) => `${l} ${means.counts[i]}`).join(', ');
    out(`class means over ${flags.samples} samples (${counts})`);
    const strengths = parseNumbers(String(flags.strengths), 'strengths');
    const base = await latentsFrom(model, flags, sourcesFrom(flags.seeds, flags.keys), 'arith');
    const layers = layersFrom(model, flags.layers);
    const n = base.codes.shape[0];
    const edited = await unifyLatents(
      model,
      strengths.map((s) => applyAttribute(model, base, vector, s, layers)),
    );
    const images = imagesOf(await renderFrames(model, edited, { batchSize: batch, onProgress: progressBar('render') }), factor);
    // edited is strength-major; the grid is latent-major (row = latent, column = strength)
    const cells = [];
    for (let i = 0; i < n; i++) for (let s = 0; s < strengths.length; s++) cells.push(images[s * n + i]);
    const seeds = (base.provenance as { seeds?: number[] }).seeds;
    await writePng(
      join(outdir, 'attribute.png'),
      labelledGrid(cells, {
        columns: strengths.length,
        columnLabels: strengths.map((s) => `${Number(s.toFixed(2))}`),
        rowLabels: Array.from({ length: n }, (_, i) => (seeds ? `${seeds[i]}` : `L${i}`)),
      }),
    );
    out(`wrote ${join(outdir, 'attribute.png')}: ${n} latents + s * (mean ${flags.to} - mean ${flags.from}), s = ${strengths.map((s) => Number(s.toFixed(3))).join(', ')}`);
    await saveLatentIfAsked(flags, edited, out);
  },
};
