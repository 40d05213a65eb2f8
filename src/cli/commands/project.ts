import {
  listTargets,
  type FilesProgress,
  loadModel,
  PROJECT_SPEC,
  projectorSettings,
  type ProjectRunOptions,
  projectVerb,
  requireModelPath,
  resolveProjectOptions,
  ArgumentError,
} from '../../index.js';
import { tableCommand } from '../command.js';

/** One status line: `[3/10] shoe  step 412/1000  loss 0.0123  ETA 1m02s`, redrawn in place on a TTY. */
function progressPrinter(stream: NodeJS.WriteStream) {
  const started = performance.now();
  let last = 0;
  return {
    update(p: FilesProgress) {
      const now = performance.now();
      if (now - last < (stream.isTTY ? 200 : 30_000) && p.step !== p.numSteps - 1) return;
      last = now;
      const frac = (p.done + ((p.step + 1) / p.numSteps) * p.names.length) / p.total;
      const eta = frac > 0 ? ((now - started) / 1000) * (1 / frac - 1) : Number.NaN;
      const evals = p.evaluations !== p.step + 1 ? ` (${p.evaluations} evaluations)` : '';
      const line = `[${p.done + p.names.length}/${p.total}] ${p.names.join(',')}  step ${p.step + 1}/${p.numSteps}${evals}  loss ${p.loss.toPrecision(4)}  ETA ${Number.isFinite(eta) ? `${Math.round(eta)}s` : '?'}`;
      stream.write(stream.isTTY ? `\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}` : `${line}\n`);
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

export const projectCommand = tableCommand({
  name: 'project',
  summary:
    'Project images into a latent space (NVIDIA projector: Z/W/W+, noise maps, Adam or L-BFGS, masks; resumable)',
  usage:
    'latentlab project --model M --target IMAGE|FOLDER --outdir DIR [--space w|w+|z] [--optimizer adam|lbfgs] [--steps 1000] [--video] [--force]',
  spec: PROJECT_SPEC,
  transport: [
    {
      name: 'queue',
      help: 'redis://HOST:PORT: one task per target for `latentlab worker`s; this process writes the results (README: Scale out)',
    },
  ],
  async run(partial, out, transport) {
    const model = await loadModel(requireModelPath(partial, 'project'));
    const o = resolveProjectOptions(partial as Partial<ProjectRunOptions>, model);
    if (transport.queue !== undefined) {
      for (const [f, on] of [
        ['vgg', o.vgg],
        ['mask', o.mask],
        ['init', o.init],
        ['video', o.video],
      ] as const)
        if (on)
          throw new ArgumentError(
            `project --queue: --${f} is not supported on the queue yet; run without --queue`,
          );
      if (o.batch !== 1) throw new ArgumentError('project --queue: one target per task; drop --batch');
      const { projectOnQueue } = await import('./projectQueue.js');
      await projectOnQueue(
        {
          url: transport.queue,
          model: o.model,
          classifier: o.featureWeight > 0 || o.classifier ? o.classifier : null,
          // the local run's settings and key (each metrics file records it, as a local run's does)
          options: { ...projectorSettings(o), framesEvery: 0 },
          sources: await listTargets(o.target),
          outdir: o.outdir,
          resume: !o.force,
        },
        out,
      );
      await model.release();
      return;
    }
    const progress = progressPrinter(process.stderr);
    const results = await projectVerb(model, o, { onProgress: (p) => progress.update(p) });
    progress.done();
    const done = results.filter((r) => r.status === 'projected');
    const failed = results.filter((r) => r.status === 'failed');
    const skipped = results.length - done.length - failed.length;
    for (const r of done) {
      const m = r.metrics!;
      const fd = m.featureDistance === null ? '' : `  feature distance ${m.featureDistance.toFixed(3)}`;
      out(
        `${r.name}: PSNR ${m.psnr.toFixed(2)} dB  SSIM ${m.ssim.toFixed(4)}  MSE ${m.mse.toExponential(3)}${fd}  ${r.seconds!.toFixed(1)} s`,
      );
    }
    for (const r of failed) out(`${r.name}: FAILED: ${r.error}`);
    out(
      `projected ${done.length}, skipped ${skipped} (already done with these options), failed ${failed.length} -> ${o.outdir}`,
    );
    if (failed.length) {
      const first = failed[0];
      throw new ArgumentError(
        failed.length === 1 && results.length === 1
          ? first.error!
          : `${failed.length} of ${results.length} targets failed (first: ${first.name}: ${first.error})`,
      );
    }
  },
});
