/**
 * The error the agent throws when it cannot start or serve: its socket,
 * its folder, its audit file, or the ACLs of `--allow-uid`.
 *
 * @module
 */
import { RegcredError } from '../errors.js';

/**
 * The agent could not start: the message says what was attempted, on
 * which path, why it failed and what to do.
 */
export class AgentError extends RegcredError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_AGENT', message, options);
    this.name = 'AgentError';
  }
}
