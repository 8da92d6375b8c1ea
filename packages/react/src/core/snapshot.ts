/** A value with listeners, read through `useSyncExternalStore`: `get` returns the same object until `set` replaces it. */
export class SnapshotStore<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private value: T) {}

  readonly get = (): T => this.value;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(next: T): void {
    if (next === this.value) return;
    this.value = next;
    for (const listener of this.listeners) listener();
  }

  update(patch: Partial<T>): void {
    this.set({ ...this.value, ...patch });
  }

  /** Resolves once `done(value)` holds (at once if it does now): what a Suspense fallback waits for. */
  when(done: (value: T) => boolean): Promise<void> {
    if (done(this.value)) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe(() => {
        if (!done(this.value)) return;
        unsubscribe();
        resolve();
      });
    });
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
