import * as ort from 'onnxruntime-node';
import { compile } from '../src/runtime/compile.js';
import { engineCases } from './engine.js';
const cases = engineCases().filter((c) => ['ceiling','stackB.bwdx','stackA.train'].includes(c.name));
for (const c of cases) {
  const exe = await compile(c.build(), { threads: 2, noCache: true });
  const feeds = c.feeds();
  for (const opt of [{}, { enableMemPattern: false }, { enableCpuMemArena: false }, {enableMemPattern:false, enableCpuMemArena:false}]) {
    const t0 = performance.now();
    const s = await ort.InferenceSession.create(exe.model, { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', ...opt });
    const t1 = performance.now();
    const f: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', t.data as Float32Array, t.shape as number[]);
    const times: string[] = [];
    for (let i = 0; i < 5; i++) { const a = performance.now(); await s.run(f); times.push((performance.now() - a).toFixed(1)); }
    console.log(c.name, JSON.stringify(opt), 'session', (t1 - t0).toFixed(1), 'runs', times.join(' '));
    await s.release();
  }
}
