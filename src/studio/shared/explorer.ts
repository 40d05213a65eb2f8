// explorer.json, the manifest of the static explorer `latentlab export MODEL --web DIR` writes
// (src/studio/webExport.ts) and its page reads (src/studio/web/explorer): one definition for both.

/** A direction set as pages use it: per direction the displacement of one unit of strength. */
export interface DirectionSetJson {
  name: string;
  space: 'z' | 'w';
  labels: string[];
  /** Displacement per unit of strength (the unit vector times sigma, or 1 when sigma is unknown). */
  steps: number[][];
  units: ('sigma' | 'distance')[];
  /** ws rows [start, end) the set edits by default (null: every row). */
  layers: [number, number] | null;
}

export interface ExplorerJson {
  name: string;
  /** The ONNX export's folder, relative to the page. */
  model: string;
  fp16: boolean;
  directions: DirectionSetJson[];
}
