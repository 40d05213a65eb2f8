import { CheckpointError, ShapeError } from '../core/errors.js';
import { formatShape, type Shape } from '../core/shape.js';
import { float32ToHalf, Tensor } from '../core/tensor.js';
import { cast } from '../graph/ops/elementwise.js';
import { constant, input, type Value } from '../graph/value.js';

/**
 * How parameters enter a graph: as constants (inference, projection: ORT pre-packs them) or as
 * inputs (training: fed each step, their gradients requested). 'constant-fp16': constants stored as
 * float16 and cast to float32 in the graph (exports for the web: half the download; tensors under 64
 * elements, scalars and filters, stay float32).
 */
export type ParamMode = 'constant' | 'input' | 'constant-fp16';

/**
 * A named set of tensors whose keys are checkpoint keys (`synthesis.b32.conv1.affine.bias`).
 * Modules read parameters through it; each key becomes one graph value, created once.
 */
export class Weights {
  private readonly values = new Map<string, Value>();

  constructor(
    readonly tensors: ReadonlyMap<string, Tensor>,
    readonly mode: ParamMode = 'constant',
    /** Names the source in errors (a file path or model name). */
    readonly source = 'weights',
    /** Keys that stay constants even in 'input' mode (buffers such as resample filters). */
    readonly frozen: (key: string) => boolean = () => false,
  ) {}

  has(key: string): boolean {
    return this.tensors.has(key);
  }

  tensor(key: string, shape?: Shape): Tensor {
    const t = this.tensors.get(key);
    if (!t) throw new CheckpointError(this.source, `missing tensor '${key}'`);
    if (shape && (t.rank !== shape.length || t.shape.some((d, i) => shape[i] >= 0 && d !== shape[i]))) {
      throw new ShapeError(`${this.source}: '${key}' has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
    return t;
  }

  /** The graph value for `key` (checked against `shape`, where -1 matches any size). */
  get(key: string, shape?: Shape): Value {
    let v = this.values.get(key);
    if (!v) {
      const t = this.tensor(key, shape);
      const asInput = this.mode === 'input' && !this.frozen(key);
      const f32 = t.dtype === 'float32' ? t : t.toFloat32();
      if (asInput) v = input(key, t.shape, 'float32');
      else if (this.mode === 'constant-fp16' && t.size >= 64 && !this.frozen(key))
        v = cast(constant(new Tensor('float16', t.shape, float32ToHalf(f32.data as Float32Array)), key), 'float32');
      else v = constant(f32, key);
      this.values.set(key, v);
    }
    return v;
  }

  /** Parameters created as graph inputs so far, in creation order (training feeds these). */
  inputs(): Value[] {
    return [...this.values.values()].filter((v) => v.source.kind === 'input');
  }

  at(prefix: string): Scope {
    return new Scope(this, prefix);
  }
}

/** A view of `Weights` under a key prefix, so modules name their own parameters. */
export class Scope {
  constructor(
    readonly weights: Weights,
    readonly prefix: string,
  ) {}

  key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  has(name: string): boolean {
    return this.weights.has(this.key(name));
  }

  get(name: string, shape?: Shape): Value {
    return this.weights.get(this.key(name), shape);
  }

  tensor(name: string, shape?: Shape): Tensor {
    return this.weights.tensor(this.key(name), shape);
  }

  at(name: string): Scope {
    return new Scope(this.weights, this.key(name));
  }
}
