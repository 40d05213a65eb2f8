// The FCD-by-kimg plot of a shipped snapshot's lineage (README: docs/training/fcd-fmnist-stylegan2.png):
// the runs' metric-fcd.jsonl files, oldest run first (a later line for the same kimg wins), joined and plotted.
//   npx tsx tools/fcdPlot.ts OUT.png A/metric-fcd.jsonl B/metric-fcd.jsonl ...
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFcdPlot } from '../src/train/snapshotFcd.js';

const [png, ...files] = process.argv.slice(2);
if (!png?.endsWith('.png') || !files.length) throw new Error('usage: tools/fcdPlot.ts OUT.png RUN/metric-fcd.jsonl ...');
const joined = png.replace(/\.png$/, '.jsonl');
writeFileSync(joined, files.map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n');
await writeFcdPlot(joined, png);
console.log(`wrote ${png} (${joined}: the joined lines)`);
