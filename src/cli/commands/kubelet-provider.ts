/**
 * STUB: `regcred kubelet-credential-provider`, being written.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';

/** Runs `kubelet-credential-provider`; returns the exit status. */
export async function runKubeletProvider(
  context: CommandContext,
): Promise<number> {
  void context;
  throw new UsageError("'kubelet-credential-provider' is not available yet");
}
