/**
 * Throw-away TLS material for HTTPS tests, made with the `openssl` CLI in a
 * temporary folder: a CA, a server certificate for 127.0.0.1, 0.0.0.0 and
 * localhost signed by it, and a client certificate signed by it. EC keys,
 * so that making them takes milliseconds.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files made, as paths and as PEM text. */
export interface TestCertificates {
  dir: string;
  caPath: string;
  ca: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  cleanup(): void;
}

/** Makes a CA, a server certificate and a client certificate. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-tls-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=regcred test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  signed('server', 'localhost', [
    'subjectAltName=IP:127.0.0.1,IP:0.0.0.0,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  signed('client', 'regcred test client', ['extendedKeyUsage=clientAuth']);

  function signed(name: string, commonName: string, extensions: string[]) {
    openssl(
      'req',
      ...ecKey,
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    writeFileSync(path(`${name}.ext`), extensions.join('\n') + '\n');
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    );
  }

  const read = (name: string): string => readFileSync(path(name), 'utf8');
  return {
    dir,
    caPath: path('ca.crt'),
    ca: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
