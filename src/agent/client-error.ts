/**
 * Answers what Node's HTTP parser could not read as a request (a garbled
 * head, one too large or too slow), and audits it, once.
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import { formatAuditLine, type AuditSink } from './audit.js';

/** What {@link answerClientError} needs from the server. */
export interface ClientErrorContext {
  audit: AuditSink;
  /** Connections whose request was served, and audited, already. */
  auditedSockets: WeakSet<Duplex>;
}

/** Answers a request Node's parser could not read, and audits it. */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  served: ClientErrorContext,
): void {
  const code = error.code ?? 'error';
  if (served.auditedSockets.has(socket)) {
    // the client left mid-request; serve() audits that request
    socket.destroy();
    return;
  }
  const [status, text] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request head is too large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive']
        : [400, 'Malformed HTTP request'];
  if (code !== 'ECONNRESET' && socket.writable) {
    const body = `${text}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
  served.audit(
    formatAuditLine({
      time: new Date(),
      method: '-',
      path: '-',
      outcome: 'error',
      status: code === 'ECONNRESET' ? 0 : status,
      ms: 0,
      detail: code,
    }),
  );
}
