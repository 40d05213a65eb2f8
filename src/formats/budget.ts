import { ArgumentError, CheckpointError } from '../core/errors.js';

/**
 * Work and memory a reader may spend on one untrusted file, so that a few hundred bytes cannot
 * ask for gigabytes (shared pickle references, stride-0 tensors, honest deflate bombs):
 *
 *   tensor bytes ≤ min(cap, 64 MiB + 4 × file size)
 *
 * counted by what tensors materialise (a stride-0 view of one element counts its full size, a
 * storage rebuilt twice counts twice). 4× covers int8/int16 widening to int32; a real float32
 * checkpoint needs ~1× its size. The cap defaults to 8 GiB; LATENTLAB_MAX_TENSOR_BYTES (the CLI's
 * global --max-tensor-bytes) raises or lowers it and, when set, also replaces the derived limit.
 * `work` counts container copies (dict/state updates) with the same idea: ≤ 1M + 64 × file size.
 */

export const DEFAULT_TENSOR_CAP = 8 * 2 ** 30;
export const TENSOR_ALLOWANCE = 64 * 2 ** 20;
export const TENSOR_RATIO = 4;
export const ENV_MAX_TENSOR_BYTES = 'LATENTLAB_MAX_TENSOR_BYTES';
/** Plain (JSON-like) values a configuration may expand to, counting shared references each time. */
export const MAX_PLAIN_NODES = 1_000_000;

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** '8G', '512M', '1000000' → bytes; an ArgumentError naming `what` otherwise. */
export function parseByteSize(text: string, what = ENV_MAX_TENSOR_BYTES): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  const v = m ? Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]) : NaN;
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new ArgumentError(`${what}: expected a byte size such as 8G, 512M or 1000000, got '${text}'`);
  return v;
}

/** The explicit limit from LATENTLAB_MAX_TENSOR_BYTES, or undefined when it is not set. */
export function configuredTensorLimit(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[ENV_MAX_TENSOR_BYTES];
  return raw === undefined || raw === '' ? undefined : parseByteSize(raw);
}

/** The default tensor-byte limit for a file of `fileBytes` bytes. */
export function tensorLimitFor(fileBytes: number, env: NodeJS.ProcessEnv = process.env): number {
  return configuredTensorLimit(env) ?? Math.min(DEFAULT_TENSOR_CAP, TENSOR_ALLOWANCE + TENSOR_RATIO * fileBytes);
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** One file's budget, shared by every nested reader (embedded torch streams, zip members). */
export class ReadBudget {
  tensorBytes = 0;
  work = 0;
  readonly maxWork: number;

  constructor(
    readonly file: string,
    readonly fileBytes: number,
    readonly maxTensorBytes: number = tensorLimitFor(fileBytes),
  ) {
    this.maxWork = 1_000_000 + 64 * fileBytes;
  }

  /** Counts `bytes` of materialised tensor data; a CheckpointError once the file's limit is passed. */
  chargeTensor(bytes: number, what: string): void {
    this.tensorBytes += bytes;
    if (!(this.tensorBytes <= this.maxTensorBytes)) {
      throw new CheckpointError(
        this.file,
        `${what} brings the file's tensors to ${mib(this.tensorBytes)}, over the limit of ${mib(this.maxTensorBytes)} ` +
          `for a ${this.fileBytes}-byte file (a real checkpoint needs about its own size; raise the limit with ` +
          `--max-tensor-bytes or ${ENV_MAX_TENSOR_BYTES})`,
      );
    }
  }

  /** Counts `n` units of copying work (container items copied, shared values re-expanded). */
  chargeWork(n: number, what: string): void {
    this.work += n;
    if (this.work > this.maxWork) {
      throw new CheckpointError(
        this.file,
        `${what}: the file asks for more than ${this.maxWork} container copies (shared references repeated); refusing`,
      );
    }
  }
}

/** A short description of a parsed JSON value for error messages (never String() of nested data). */
export function briefJson(v: unknown, max = 40): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : typeof v === 'object' ? 'an object' : typeof v;
}
