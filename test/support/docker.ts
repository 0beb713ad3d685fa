/**
 * The real Docker CLI, for tests that compare regcred with it.
 */
import { execFileSync } from 'node:child_process';
import { findExecutable } from '../../src/internal/find-executable.js';
import { findNetworkIsolation } from './differential-run.js';

/** The Docker CLI on PATH, when it is the 28.x the vectors come from. */
export function findDocker28(): string | undefined {
  const docker = findExecutable('docker');
  if (docker === undefined) return undefined;
  try {
    const version = execFileSync(docker, ['--version'], {
      env: {},
      encoding: 'utf8',
    });
    return version.startsWith('Docker version 28.') ? docker : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A command prefix that runs a program in an empty network namespace, or
 * undefined when none can be made. `docker pull` looks registry host
 * names up in DNS even without a daemon; tests must never send those
 * queries for made-up names off this machine.
 */
export function isolateNetwork(): Promise<string[] | undefined> {
  return findNetworkIsolation('/usr/local/bin:/usr/bin:/bin');
}
