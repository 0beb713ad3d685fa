/**
 * STUB: `regcred k8s`, being written.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';

/** Runs `k8s`; returns the exit status. */
export async function runK8s(context: CommandContext): Promise<number> {
  void context;
  throw new UsageError("'k8s' is not available yet");
}
