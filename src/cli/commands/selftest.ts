import { performance } from 'node:perf_hooks';
import { compile, constant, conv2d, grad, leakyRelu, mul, reduceSum, Tensor, trace } from '../../index.js';
import type { Command } from '../command.js';

/**
 * Builds a conv stack, its gradient and a second-order gradient, runs them on ONNX Runtime and
 * checks the first-order gradient against a central difference: proof the engine works on this machine.
 */
export const selftestCommand: Command = {
  name: 'selftest',
  summary: 'Check the engine: forward, gradient and second-order graphs on ONNX Runtime',
  usage: 'latentlab selftest',
  flags: [],
  async run(_args, out) {
    const t0 = performance.now();
    const program = trace({ x: { shape: [2, 4, 16, 16] } }, ({ x }) => {
      let h = x;
      let seed = 1;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6;
      for (let i = 0; i < 3; i++) {
        const w = Tensor.float32([4, 4, 3, 3], Array.from({ length: 144 }, rand));
        h = leakyRelu(conv2d(h, constant(w), undefined, { padding: 1 }), 0.2);
      }
      const loss = reduceSum(mul(h, h));
      const [gx] = grad(loss, [x]);
      const [ggx] = grad(reduceSum(mul(gx, gx)), [x]);
      return { loss, gx, ggx };
    });
    const exe = await compile(program);
    const built = performance.now() - t0;
    const x = Tensor.float32(
      [2, 4, 16, 16],
      Array.from({ length: 2048 }, (_, i) => Math.sin(i * 1.3)),
    );
    const [loss, gxT] = await exe.run(x);
    const gx = gxT.f32;
    // Along the normalised gradient the directional derivative is |g|: large, so float32 FD is accurate.
    const eps = 1e-2;
    const norm = Math.sqrt(gx.reduce((s, g) => s + g * g, 0));
    const dir = Float32Array.from(gx, (g) => g / norm);
    const shifted = (s: number) =>
      Tensor.float32(
        x.shape,
        x.data.map((v, i) => v + s * eps * dir[i]),
      );
    const [lp] = await exe.run(shifted(1));
    const [lm] = await exe.run(shifted(-1));
    const fd = (lp.item() - lm.item()) / (2 * eps);
    const ad = gx.reduce((s, g, i) => s + g * dir[i], 0);
    const rel = Math.abs(fd - ad) / Math.max(1e-6, Math.abs(fd));
    out(`graph build + session: ${built.toFixed(0)} ms; loss ${loss.item().toFixed(4)}`);
    out(
      `directional derivative: autodiff ${ad.toFixed(5)} vs central difference ${fd.toFixed(5)} (rel. error ${rel.toExponential(1)})`,
    );
    if (rel > 1e-2) throw new Error(`selftest failed: gradient mismatch ${rel}`);
    out('selftest passed');
  },
};
