/**
 * STUB: `regcred agent`, being written.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';

/** Runs `agent`; returns the exit status. */
export async function runAgent(context: CommandContext): Promise<number> {
  void context;
  throw new UsageError("'agent' is not available yet");
}
