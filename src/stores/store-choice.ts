/**
 * Which credential store Docker uses for a lookup key, and why.
 *
 * @module
 */

/** Where a store choice came from, for `explain`. */
export type StoreSource =
  /** `credHelpers[key]` named a helper. */
  | 'credHelpers'
  /** `credsStore` named a helper. */
  | 'credsStore'
  /** No store was configured; Docker picked the platform's default helper. */
  | 'platform-default'
  /** No helper applies: the `auths` section of config.json. */
  | 'file';

/** The store that answers a lookup. */
export type StoreChoice =
  | { kind: 'helper'; helper: string; source: Exclude<StoreSource, 'file'> }
  | { kind: 'file'; source: 'file' | 'credHelpers' };

/** The parts of a config that decide the store. */
export interface StoreSettings {
  credHelpers: ReadonlyMap<string, string>;
  /** `credsStore` from the file, or the detected platform default. */
  credsStore: string;
  /** True when `credsStore` was detected rather than configured. */
  credsStoreDetected: boolean;
}

/**
 * Picks the store for a lookup key, as Docker's config does:
 *
 * 1. `credHelpers[key]`, matched exactly (an entry whose value is empty
 *    sends the key to the file store, even with `credsStore` set);
 * 2. else `credsStore` (configured, or the platform default);
 * 3. else the file store.
 */
export function chooseStore(key: string, settings: StoreSettings): StoreChoice {
  const helper = key === '' ? undefined : settings.credHelpers.get(key);
  if (helper !== undefined) {
    return helper === ''
      ? { kind: 'file', source: 'credHelpers' }
      : { kind: 'helper', helper, source: 'credHelpers' };
  }
  if (settings.credsStore !== '') {
    const source = settings.credsStoreDetected
      ? 'platform-default'
      : 'credsStore';
    return { kind: 'helper', helper: settings.credsStore, source };
  }
  return { kind: 'file', source: 'file' };
}
