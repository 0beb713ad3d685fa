/**
 * STUB: `regcred dind`, being written.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';

/** Runs `dind`; returns the exit status. */
export async function runDind(context: CommandContext): Promise<number> {
  void context;
  throw new UsageError("'dind' is not available yet");
}
