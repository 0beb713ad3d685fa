/**
 * Reads the body of a `get` request: bounded in size, UTF-8, one server
 * URL.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { goTrimSpace } from '../internal/go-strings.js';

/** A body read, or why it cannot be used. */
export type BodyReading =
  | { kind: 'text'; text: string }
  | { kind: 'too-large' }
  | { kind: 'invalid'; reason: string };

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARACTER_REGEXP = /[\u0000-\u001f\u007f]/;

/**
 * Reads the server URL a client sent, as a helper reads its stdin: the
 * text with surrounding white space trimmed (credential helpers trim it
 * too). A body over `maxBytes` is refused as soon as it is known to be,
 * from `Content-Length` or while reading; the rest is not read.
 *
 * Rejects when the client goes away mid-body.
 */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<BodyReading> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) return { kind: 'too-large' };

  const bytes = await collect(request, maxBytes);
  return bytes === undefined ? { kind: 'too-large' } : readServerUrl(bytes);
}

/**
 * The body's bytes, or undefined once more than `maxBytes` arrived. The
 * request is paused, not destroyed, so the 413 answer can still be sent.
 */
function collect(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('aborted', onAborted);
      request.off('error', onAborted);
    };
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      request.pause();
      resolve(undefined);
    }
    function onEnd(): void {
      stop();
      resolve(Buffer.concat(chunks));
    }
    function onAborted(): void {
      stop();
      reject(new Error('The client left before sending its whole request'));
    }
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('aborted', onAborted);
    request.on('error', onAborted);
  });
}

function readServerUrl(bytes: Buffer): BodyReading {
  if (!isUtf8(bytes)) {
    return { kind: 'invalid', reason: 'The request body is not UTF-8' };
  }
  // trimmed as a helper trims its stdin (Go's TrimSpace, not JS's trim)
  const text = goTrimSpace(bytes.toString('utf8'));
  if (text === '') {
    return {
      kind: 'invalid',
      reason: 'The request body holds no server URL',
    };
  }
  if (CONTROL_CHARACTER_REGEXP.test(text)) {
    return {
      kind: 'invalid',
      reason: 'The server URL holds control characters or line breaks',
    };
  }
  return { kind: 'text', text };
}
