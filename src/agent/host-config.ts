/**
 * The host's credential lookups for the agent, with config.json read and
 * parsed again only when the file changed, not on every request.
 *
 * A change is seen from the file's stat: device, inode, size, mtime and
 * ctime. Docker replaces config.json by renaming a new file over it (a
 * new inode); an editor that rewrites it in place changes mtime and
 * ctime.
 *
 * @module
 */
import { statSync } from 'node:fs';
import type {
  ConfigContext,
  CredentialResolver,
  Resolution,
} from '../resolver.js';

/**
 * A file whose mtime is this recent may still change within the same
 * timestamp tick, unseen by a stat; its contents are not reused until it
 * has been still for this long (git's "racy clean" problem).
 */
export const SETTLE_MS = 2_000;

/** Most file answers kept per config version; clients choose the keys. */
const MAX_REMEMBERED_KEYS = 256;

/** A parsed config, the stat it was read under, and answers from it. */
interface Snapshot {
  stamp: string;
  context: ConfigContext;
  /** Answers that come from the file or the environment alone. */
  answers: Map<string, Resolution>;
}

/** Resolves keys as {@link CredentialResolver.resolveKey} does. */
export class HostConfig {
  readonly #resolver: CredentialResolver;
  /** config.json's path, found at the first lookup. */
  #path: string | undefined;
  #snapshot: Snapshot | undefined;
  readonly #settleMs: number;

  /** @param settleMs {@link SETTLE_MS} unless a test says otherwise */
  constructor(resolver: CredentialResolver, settleMs = SETTLE_MS) {
    this.#resolver = resolver;
    this.#settleMs = settleMs;
  }

  /** Resolves one key against the host's current config. */
  async resolveKey(key: string): Promise<Resolution> {
    const snapshot = await this.#current();
    const remembered = snapshot.answers.get(key);
    if (remembered !== undefined) return remembered;
    const resolution = await this.#resolver.resolveKey(key, snapshot.context);
    // helper answers have their own cache, with its time to live
    if (
      resolution.source === 'file' ||
      resolution.source === 'docker-auth-config'
    ) {
      if (snapshot.answers.size >= MAX_REMEMBERED_KEYS) {
        snapshot.answers.clear();
      }
      snapshot.answers.set(key, resolution);
    }
    return resolution;
  }

  /** The current config: the kept snapshot, or one read afresh. */
  async #current(): Promise<Snapshot> {
    // stat before reading: a change after the stat gives a new stamp next
    // time, so old contents are never kept under a new stamp
    this.#path ??= this.#resolver.locate().file;
    const stamp = fileStamp(this.#path, this.#settleMs);
    if (stamp !== undefined && this.#snapshot?.stamp === stamp) {
      return this.#snapshot;
    }

    this.#snapshot = undefined;
    const context = await this.#resolver.loadContext();
    // the default-store detection looks at PATH, which a stat cannot watch
    const reusable =
      stamp !== undefined &&
      this.#path === context.location.file &&
      context.detection === undefined;
    const snapshot = { stamp: stamp ?? '', context, answers: new Map() };
    if (reusable) this.#snapshot = snapshot;
    return snapshot;
  }
}

/**
 * What a stat says of the file, as a string, or undefined when the file
 * changed too recently to be trusted. A missing file has a stamp too.
 */
function fileStamp(path: string, settleMs: number): string | undefined {
  let info;
  try {
    info = statSync(path, { bigint: true });
  } catch (error) {
    return `absent:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
  const changedMs = Number(
    (info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs) / 1_000_000n,
  );
  if (Date.now() - changedMs < settleMs) return undefined;
  return [info.dev, info.ino, info.size, info.mtimeNs, info.ctimeNs].join(':');
}
