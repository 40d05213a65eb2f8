import { formatDuration } from '../core/duration.js';
import {
  type BundleManifest,
  currentEvaluation,
  type EvaluationRecord,
  type Provenance,
} from './manifest.js';
import { formatLayerTable, resolveSg3, type Sg3GeneratorConfig } from './stylegan3/config.js';

/**
 * A model's card as lines of text (CLI `info`, the studio's model card): what the network is, where
 * its weights came from (training command, kimg, time) and what was measured on exactly these
 * weights (`metrics fcd --record`).
 */
export function generatorCard(m: BundleManifest): string[] {
  const d = m.dims;
  const space = m.architecture === 'dcgan' ? `z ${d.z}` : `z ${d.z}, W/W+ ${d.numWs}×${d.w}`;
  const lines = [
    `${m.name}: ${m.architecture}, ${d.resolution}×${d.resolution}×${d.channels}, ${space}${d.c ? `, ${d.c} classes` : ''}`,
    `weights: ${m.weightsDtype}, content hash ${m.contentHash.slice(0, 16)}…${m.discriminator ? ' (G and D)' : ' (G only)'}`,
    ...provenanceLines(m.provenance),
  ];
  if (m.architecture === 'stylegan3') {
    const r = resolveSg3(m.generator as Sg3GeneratorConfig);
    const variant = r.convKernel === 1 ? 'R (1x1 convs' : `T (${r.convKernel}x${r.convKernel} convs`;
    lines.push(`StyleGAN3-${variant}${r.useRadialFilters ? ', radial down-filters' : ''}), ${r.layers.length} synthesis layers, no noise inputs; layer table:`);
    lines.push(...formatLayerTable(r).map((row) => `  ${row}`));
  }
  const evaluation = Object.entries(currentEvaluation(m));
  const stale = Object.keys(m.evaluation ?? {}).length - evaluation.length;
  if (evaluation.length)
    lines.push('evaluation:', ...evaluation.map(([k, r]) => `  ${evaluationLine(k, r)}`));
  if (stale > 0) lines.push(`(${stale} recorded measurement(s) of other weights not shown)`);
  return lines;
}

/** Source, training facts and command of a provenance record. */
export function provenanceLines(p: Provenance): string[] {
  const lines = [`source: ${p.source} (${p.format}${p.network ? `, ${p.network}` : ''}), ${p.created}`];
  const t = p.training;
  if (t) {
    const facts = [
      typeof t.kimg === 'number' ? `${Number(t.kimg.toFixed(3))} kimg` : null,
      typeof t.step === 'number' ? `${t.step} steps` : null,
      typeof t.seconds === 'number' ? formatDuration(t.seconds) : null,
    ].filter((x) => x !== null);
    if (facts.length) lines.push(`training: ${facts.join(', ')}`);
    if (typeof t.command === 'string') lines.push(`  command: ${t.command}`);
  }
  return lines;
}

function evaluationLine(metric: string, r: EvaluationRecord): string {
  const value = Math.abs(r.value) >= 1 ? r.value.toFixed(2) : r.value.toFixed(4);
  const by = r.classifier ? `, ${r.classifier.name}` : '';
  const reference =
    typeof r.details?.reference === 'number' ? `; reference images ${r.details.reference.toFixed(4)}` : '';
  return `${metric} ${value} (${r.num} images${by}${reference}; ${r.measured.slice(0, 10)})`;
}
