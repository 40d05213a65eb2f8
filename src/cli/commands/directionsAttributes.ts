import { type AttributeEval, type DirectionSet, MEASURE_NAMES } from '../../index.js';

/** One line per attribute direction: fit quality, what it keeps, sigma. */
export function reportAttributes(set: DirectionSet, out: (line: string) => void): void {
  const attrs = set.provenance.attributes as Record<string, unknown>[];
  attrs.forEach((a, i) => {
    const q =
      a.method === 'ridge'
        ? `val R² ${Number(a.valR2).toFixed(3)}`
        : a.method === 'gradient'
          ? `slope ${Number(a.slope).toPrecision(3)} per W unit`
          : `val acc ${(100 * Number(a.valAccuracy)).toFixed(1)} %`;
    const kept = (a.kept as string[]).length;
    out(
      `${String(a.name).padEnd(16)} ${q}  sigma ${set.sigma[i]?.toFixed(4)}  kept ${kept} direction(s), cos to unconditioned ${Number(a.cosineToUnconditioned).toFixed(3)}`,
    );
  });
}

/** One line per class boundary: SVM accuracies, sample counts, sigma, intercept. */
export function reportBoundaries(set: DirectionSet, out: (line: string) => void): void {
  const attrs = (set.provenance.attributes ?? []) as {
    name: string;
    valAccuracy: number;
    trainAccuracy: number;
    counts: { train: number; val: number };
  }[];
  attrs.forEach((a, i) =>
    out(
      `${a.name.padEnd(14)} val acc ${(100 * a.valAccuracy).toFixed(1)} %  train acc ${(100 * a.trainAccuracy).toFixed(1)} %  (${a.counts.train} train / ${a.counts.val} val)  sigma ${set.sigma[i]?.toFixed(4)}  intercept ${set.intercept?.[i].toFixed(4)}`,
    ),
  );
}

/** The preservation table of `directions eval`. */
export function printAttributeEval(r: AttributeEval, out: (line: string) => void): void {
  out(
    `what each edit changes and keeps, graded by ${r.judge} on ${r.num} seeds (units: ${r.units}; changes in std over those seeds; ` +
      `'in class': the own change in its pooled within-class std, classes by the judge before the edit)`,
  );
  const others = MEASURE_NAMES.map((m) => m.slice(0, 8).padStart(9)).join('');
  out(`${'direction'.padEnd(16)}${'S'.padStart(5)}${'own'.padStart(8)}${'in class'.padStart(10)}${'class kept'.padStart(12)}${others}`);
  for (const row of r.rows) {
    const cells = MEASURE_NAMES.map((m) => (m in row.others ? row.others[m].toFixed(2) : '(own)').padStart(9)).join('');
    const own = row.attributeChange === null ? '-' : row.attributeChange.toFixed(2);
    // '-' where no within-class spread is left (as many classes as seeds, or constant within each class).
    const inClass = row.attributeChangeWithinClass === null || !Number.isFinite(row.attributeChangeWithinClass) ? '-' : row.attributeChangeWithinClass.toFixed(2);
    out(`${row.label.slice(0, 15).padEnd(16)}${String(row.strength).padStart(5)}${own.padStart(8)}${inClass.padStart(10)}${`${(100 * row.classKept).toFixed(1)} %`.padStart(12)}${cells}`);
  }
  // What keeping the class allows at all (attributeSpread's first-order bound), per attribute edited.
  const names = [...new Set(r.rows.flatMap((row) => (row.attribute === null ? [] : [row.attribute])))];
  const bounds = names.flatMap((n) => {
    const share = r.withinClassStd[n] / r.std[n];
    return Number.isFinite(share) ? [`${n} ${(2 * share).toFixed(2)}`] : [];
  });
  if (bounds.length)
    out(`largest +2σ move that keeps the class, to first order (2 × within-class / overall std, in std): ${bounds.join(', ')}`);
}
