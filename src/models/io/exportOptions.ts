import { ArgumentError } from '../../core/errors.js';
import type { VerbSpec } from '../../core/options.js';

/** `latentlab export`, resolved: ONNX graphs (`onnx`) or the static explorer (`web`), exactly one. */
export interface ExportOptions {
  /** Bundle folder or checkpoint. */
  readonly model: string;
  readonly onnx: string | null;
  readonly web: string | null;
  /** Static batch size of the ONNX graphs (null with --web). */
  readonly batch: number | null;
  /** --web: direction files whose sliders the page shows. */
  readonly directions: readonly string[];
  readonly fp16: boolean;
  /** --web: leave out onnxruntime-web's WebGPU build. */
  readonly wasmOnly: boolean;
}

export const EXPORT_SPEC: VerbSpec = {
  words: ['export'],
  options: [
    { key: 'model', flag: 'model', kind: 'string', help: 'bundle folder or checkpoint', positional: true },
    {
      key: 'onnx',
      flag: 'onnx',
      kind: 'string',
      help: 'output folder for the .onnx files, noise_const.safetensors and their description',
    },
    { key: 'batch', flag: 'batch', kind: 'number', help: 'static batch size of the graphs', default: 1 },
    {
      key: 'web',
      flag: 'web',
      kind: 'string',
      help: 'output folder for a static explorer page (onnxruntime-web in the browser, no server)',
    },
    {
      key: 'directions',
      flag: 'directions',
      kind: 'custom',
      help: 'comma-separated direction files whose sliders the page shows (--web)',
      default: [],
      parse: (t) =>
        t
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      format: (v) => (v as string[]).join(','),
    },
    {
      key: 'fp16',
      flag: 'fp16',
      kind: 'boolean',
      help: 'generator weights as float16 inside the graphs: half the download',
      default: false,
    },
    {
      key: 'wasmOnly',
      flag: 'wasm-only',
      kind: 'boolean',
      help: "--web: leave out onnxruntime-web's WebGPU build (27 MB on disk)",
      default: false,
    },
  ],
};

export function resolveExportOptions(p: Partial<ExportOptions>): ExportOptions {
  if (!p.model) throw new ArgumentError('export: give a bundle folder or checkpoint');
  const onnx = p.onnx ?? null;
  const web = p.web ?? null;
  if ((onnx === null) === (web === null)) throw new ArgumentError('export: give exactly one of --onnx OUTDIR or --web DIR');
  const directions = [...(p.directions ?? [])];
  const wasmOnly = p.wasmOnly ?? false;
  if (onnx !== null && (directions.length || wasmOnly))
    throw new ArgumentError('export: --directions and --wasm-only go with --web');
  if (web !== null && p.batch !== undefined && p.batch !== null)
    throw new ArgumentError('export: --batch goes with --onnx (the explorer runs one image at a time)');
  const batch = onnx === null ? null : (p.batch ?? 1);
  if (batch !== null && (!Number.isInteger(batch) || batch < 1))
    throw new ArgumentError(`export: --batch must be a positive integer, got ${batch}`);
  return { model: p.model, onnx, web, batch, directions, fp16: p.fp16 ?? false, wasmOnly };
}
