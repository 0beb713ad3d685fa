/**
 * Opt-in diagnostics: off unless `NODE_DEBUG=regcred` is set or the CLI's
 * `--debug` turns them on. Callers pass only non-secret facts (helper name,
 * action, key, status, timing); {@link redact} is applied on top as a guard.
 *
 * @module
 */
import { debuglog } from 'node:util';
import { redact } from './redact.js';

type Sink = (line: string) => void;

let sink: Sink | undefined;
const nodeDebug = debuglog('regcred');

/** Sends debug lines to `write` (the CLI's stderr), or stops with undefined. */
export function setDebugSink(write: Sink | undefined): void {
  sink = write;
}

/** Records a debug line when diagnostics are on. */
export function debug(message: string): void {
  if (sink === undefined && !nodeDebug.enabled) return;
  const line = redact(message);
  if (sink !== undefined) sink(`regcred: debug: ${line}`);
  else nodeDebug('%s', line);
}
