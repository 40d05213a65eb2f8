/**
 * `npx tsx bench/firstCallCpu.ts TAG`: the first call of gen256.b1 (paper256, random weights) through
 * compile(noCache) in one warm process, 3 reps: wall ms, CPU ms (all threads) and minor page faults per
 * stage (trace, compile = lower + serialise + hash + session, first run). CPU and faults are the
 * figures a loaded machine moves least; copy the file into another checkout to A/B (issue 22).
 */
import { initGenerator, STYLEGAN2_PRESETS } from '../src/models/stylegan2/init.js';
import { generatorProgram, zFeeds } from './models.js';
import { compile } from '../src/runtime/compile.js';
import { loadavg } from 'node:os';
const tag = process.argv[2];
const p256 = STYLEGAN2_PRESETS.paper256.generator;
const g256 = initGenerator(p256, 0);
const feeds = zFeeds(1, p256.zDim)();
const snap = () => { const u = process.cpuUsage(); return { t: performance.now(), c: (u.user + u.system) / 1000, f: process.resourceUsage().minorPageFault }; };
for (let r = 0; r < 3; r++) {
  const a = snap();
  const p = generatorProgram(g256, p256, 1);
  const b = snap();
  const exe = await compile(p, { threads: 2, noCache: true });
  const c = snap();
  await exe.runNamed(feeds);
  const d = snap();
  await exe.release();
  const st = (x: typeof a, y: typeof a) => `${(y.t - x.t).toFixed(0)}ms/${(y.c - x.c).toFixed(0)}cpu/${((y.f - x.f) / 1000).toFixed(1)}kf`;
  console.log(`${tag} rep ${r}: firstcall ${(d.t - a.t).toFixed(0)}ms ${(d.c - a.c).toFixed(0)}cpu ${((d.f - a.f) / 1000).toFixed(1)}kf | trace ${st(a, b)} compile ${st(b, c)} run1 ${st(c, d)} | load ${loadavg()[0].toFixed(1)}`);
}
