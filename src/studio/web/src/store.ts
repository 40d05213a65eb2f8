/** A minimal observable store: panels subscribe to the keys they draw. */
export class Store<S extends object> {
  private readonly listeners = new Set<(s: S, changed: ReadonlySet<keyof S>) => void>();

  constructor(private state: S) {}

  get(): Readonly<S> {
    return this.state;
  }

  set(patch: Partial<S>): void {
    const changed = new Set<keyof S>();
    for (const k of Object.keys(patch) as (keyof S)[]) if (this.state[k] !== patch[k]) changed.add(k);
    if (!changed.size) return;
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state, changed);
  }

  /** Calls `fn` when any of `keys` changes (and once now). */
  watch(keys: readonly (keyof S)[], fn: (s: S) => void): void {
    this.listeners.add((s, changed) => {
      if (keys.some((k) => changed.has(k))) fn(s);
    });
    fn(this.state);
  }
}
