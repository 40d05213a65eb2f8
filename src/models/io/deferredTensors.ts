import type { Tensor } from '../../core/tensor.js';
import type { NonFiniteReport } from '../../formats/nonFinite.js';

/**
 * A tensor map whose names are known at once but whose tensors are read on first use: a bundle's
 * discriminator (116 MB at 1024x1024) stays on disk while a verb that never touches D runs
 * (projection, generation). `size`, `has` and `keys` answer without reading; anything that needs
 * a tensor reads them all, once. `nonFinite` is what the reader found while checking the bundle,
 * so loadModel's check need not read them either.
 */
export class DeferredTensorMap extends Map<string, Tensor> {
  private readonly names: readonly string[];
  private readonly nameSet: ReadonlySet<string>;
  private pending: (() => Map<string, Tensor>) | null;

  constructor(
    names: readonly string[],
    load: () => Map<string, Tensor>,
    readonly nonFinite: readonly { name: string; report: NonFiniteReport }[] = [],
  ) {
    super();
    this.names = [...names];
    this.nameSet = new Set(names);
    this.pending = load;
  }

  /** True once the tensors have been read. */
  get loaded(): boolean {
    return this.pending === null;
  }

  private ensure(): void {
    const load = this.pending;
    if (!load) return;
    const tensors = load();
    this.pending = null;
    for (const name of this.names) {
      const t = tensors.get(name);
      if (t) super.set(name, t);
    }
  }

  override get size(): number {
    return this.pending ? this.names.length : super.size;
  }

  override has(key: string): boolean {
    return this.pending ? this.nameSet.has(key) : super.has(key);
  }

  override keys(): MapIterator<string> {
    return this.pending ? this.names[Symbol.iterator]() : super.keys();
  }

  override get(key: string): Tensor | undefined {
    this.ensure();
    return super.get(key);
  }

  override values(): MapIterator<Tensor> {
    this.ensure();
    return super.values();
  }

  override entries(): MapIterator<[string, Tensor]> {
    this.ensure();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, Tensor]> {
    this.ensure();
    return super[Symbol.iterator]();
  }

  override forEach(fn: (value: Tensor, key: string, map: Map<string, Tensor>) => void, thisArg?: unknown): void {
    this.ensure();
    super.forEach(fn, thisArg);
  }

  override set(key: string, value: Tensor): this {
    this.ensure();
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.ensure();
    return super.delete(key);
  }

  override clear(): void {
    this.pending = null;
    super.clear();
  }
}
