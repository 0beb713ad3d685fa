/**
 * Remembers helper answers for a while, and lets concurrent lookups of the
 * same thing share one helper process.
 *
 * @module
 */

interface CacheSlot<T> {
  promise: Promise<T>;
  /** When the settled answer stops being used, in ms since the epoch. */
  expiresAt: number;
}

/**
 * A map from a lookup's identity to its pending or settled answer. Failures
 * are remembered too: a helper that timed out is not asked again within
 * the same window, so one slow helper costs one timeout, not one per call.
 */
export class AnswerCache {
  readonly #ttlMs: number;
  readonly #slots = new Map<string, CacheSlot<unknown>>();
  readonly #now: () => number;

  /**
   * @param ttlMs How long a settled answer is reused; `Infinity` keeps it
   *   for the life of the cache, 0 only shares calls in flight.
   */
  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Returns the remembered answer for `id`, or starts `load` for it. */
  get<T>(id: string, load: () => Promise<T>): Promise<T> {
    const slot = this.#slots.get(id);
    if (slot !== undefined && slot.expiresAt > this.#now()) {
      return slot.promise as Promise<T>;
    }
    const fresh: CacheSlot<T> = { promise: load(), expiresAt: Infinity };
    this.#slots.set(id, fresh);
    const settle = (): void => {
      fresh.expiresAt = this.#now() + this.#ttlMs;
      if (this.#ttlMs <= 0 && this.#slots.get(id) === fresh) {
        this.#slots.delete(id);
      }
    };
    fresh.promise.then(settle, settle);
    return fresh.promise;
  }

  /** Forgets every answer. */
  clear(): void {
    this.#slots.clear();
  }
}
