/**
 * STUB: `regcred migrate`, being written.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';

/** Runs `migrate`; returns the exit status. */
export async function runMigrate(context: CommandContext): Promise<number> {
  void context;
  throw new UsageError("'migrate' is not available yet");
}
