import type { DirectionFile } from './api.js';

/**
 * What a direction is for and what it keeps, in one line: its attribute, the conditions it was made
 * orthogonal to, and the recorded preservation figures ('+2σ: +0.87 std, 92 % keep their class, by
 * fmnist-judge on 200 seeds'); '' when the file knows none of it.
 */
export function directionFacts(file: DirectionFile, k: number): string {
  const label = file.labels?.[k];
  const info = file.names?.[k];
  const parts: string[] = [];
  if (info?.attribute && info.attribute !== label) parts.push(info.attribute);
  const classes = info?.keeps.filter((c) => c.startsWith('class:')).length ?? 0;
  const others = info?.keeps.filter((c) => !c.startsWith('class:')) ?? [];
  if (classes || others.length) parts.push(`keeps ${[...(classes ? [`${classes} class${classes === 1 ? '' : 'es'}`] : []), ...others].join(', ')}`);
  const rec = file.preservation;
  // A per-class file's rows are 'KNOB@CLASS'; eval records the knob (each seed along its class's row).
  const knob = label?.includes('@') && !rec?.byLabel[label] ? label.slice(0, label.lastIndexOf('@')) : null;
  const rows = label === undefined ? undefined : rec?.byLabel[knob ?? label];
  if (knob && rows?.length) parts.push(`per-class knob '${knob}'`);
  if (rec && rows?.length) {
    const unit = rec.units === 'sigma' ? 'σ' : '';
    const figures = rows.map((r) => {
      const change = r.attributeChange === null ? '' : `${r.attributeChange >= 0 ? '+' : ''}${r.attributeChange.toFixed(2)} std, `;
      return `${r.strength >= 0 ? '+' : ''}${r.strength}${unit}: ${change}${(100 * r.classKept).toFixed(0)} % keep class`;
    });
    parts.push(`${figures.join('; ')} (${rec.judge}, ${rec.num} seeds)`);
  }
  return parts.join(' · ');
}
