/**
 * Throwaway TLS and token-signing material for tests, made with the
 * `openssl` CLI in a fresh temp directory (mode 0700):
 *
 * - a CA and a server certificate it signed, valid for 127.0.0.1, 0.0.0.0,
 *   ::1 and localhost, for a registry or token issuer over https;
 * - a self-signed signing certificate and key for the token issuer's JWTs,
 *   which is also the registry's `rootcertbundle`.
 *
 * The CA and server keys are P-256 (fast to make); the signing key is RSA
 * 2048 for RS256 or P-256 for ES256. No key has a passphrase.
 *
 * @example
 * ```ts
 * const certs = await makeTestCerts();
 * t.after(() => certs.cleanup());
 * const agent = new Agent({ connect: { ca: certs.caPem } });
 * ```
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../../src/internal/find-executable.js';

const run = promisify(execFile);

/** Where `openssl` is looked for; never the caller's PATH. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

const OPENSSL = findExecutable('openssl', { PATH: SYSTEM_PATH });

/** Long enough for any test run, short enough to be useless if leaked. */
const VALID_DAYS = '2';

/** openssl arguments for a new P-256 key: quick to make, unlike RSA. */
const P256_NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256';

/** The names the server certificate is valid for. */
const SERVER_ALT_NAMES = 'IP:127.0.0.1, IP:0.0.0.0, IP:::1, DNS:localhost';

/** The JWS algorithm the signing key is for. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** The token issuer's signing key and its self-signed certificate. */
export interface SigningMaterial {
  /** Which JWS algorithm the key signs with. */
  algorithm: SigningAlgorithm;
  /** PEM private key file (PKCS#8). */
  keyFile: string;
  /** PEM certificate file; give it to the registry as `rootcertbundle`. */
  certFile: string;
  /** The private key, PEM. */
  keyPem: string;
  /** The certificate, PEM. */
  certPem: string;
  /** The certificate's DER in standard base64, as a JWT `x5c` entry. */
  certDerBase64: string;
}

/** Files and PEM text made by {@link makeTestCerts}. */
export interface TestCerts {
  /** The temp directory (0700) holding every file below. */
  dir: string;
  /** The CA certificate file; trust it to reach the servers over TLS. */
  caFile: string;
  /** The CA certificate, PEM. */
  caPem: string;
  /** The server certificate file, signed by the CA. */
  serverCertFile: string;
  /** The server's private key file. */
  serverKeyFile: string;
  /** The server certificate, PEM. */
  serverCertPem: string;
  /** The server's private key, PEM. */
  serverKeyPem: string;
  /** The token signing key and certificate. */
  signing: SigningMaterial;
  /** Removes {@link TestCerts.dir}. */
  cleanup(): Promise<void>;
}

/** Options for {@link makeTestCerts}. */
export interface TestCertsOptions {
  /** The algorithm the signing key is for. @default 'RS256' */
  signingAlgorithm?: SigningAlgorithm;
  /** Where to make the temp directory. @default os.tmpdir() */
  parentDir?: string;
}

/**
 * Why certificates cannot be made here, or false when they can. Pass it as
 * a test's `skip` option, so the reason shows in the report.
 */
export const OPENSSL_UNAVAILABLE: string | false =
  OPENSSL === undefined
    ? "openssl not installed; install Debian's openssl to run these tests"
    : false;

/**
 * Makes a CA, a server certificate and a token signing key in a new temp
 * directory. Takes a few hundred milliseconds, mostly the RSA key.
 *
 * @throws {Error} when openssl is missing or fails; the message holds its
 *   stderr.
 */
export async function makeTestCerts(
  options: TestCertsOptions = {},
): Promise<TestCerts> {
  const { signingAlgorithm = 'RS256', parentDir = tmpdir() } = options;
  if (OPENSSL_UNAVAILABLE !== false) throw new Error(OPENSSL_UNAVAILABLE);
  const dir = await mkdtemp(join(parentDir, 'regcred-certs-'));
  const path = (name: string) => join(dir, name);

  try {
    // the signing key does not depend on the CA: make both at once
    const [, signing] = await Promise.all([
      makeCaAndServer(dir),
      makeSigning(dir, signingAlgorithm),
    ]);
    return {
      dir,
      caFile: path('ca.crt'),
      caPem: await readFile(path('ca.crt'), 'utf8'),
      serverCertFile: path('server.crt'),
      serverKeyFile: path('server.key'),
      serverCertPem: await readFile(path('server.crt'), 'utf8'),
      serverKeyPem: await readFile(path('server.key'), 'utf8'),
      signing,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function makeCaAndServer(dir: string): Promise<void> {
  await writeFile(join(dir, 'ca.cnf'), caConfig());
  await writeFile(join(dir, 'server.cnf'), serverConfig());

  await openssl(
    dir,
    `req -x509 -config ca.cnf -days ${VALID_DAYS} ${P256_NEW_KEY}` +
      ' -nodes -keyout ca.key -out ca.crt',
  );
  await openssl(
    dir,
    `req -new -config server.cnf ${P256_NEW_KEY}` +
      ' -nodes -keyout server.key -out server.csr',
  );
  const serial = `0x${randomBytes(16).toString('hex')}`;
  await openssl(
    dir,
    `x509 -req -in server.csr -days ${VALID_DAYS} -set_serial ${serial}` +
      ' -CA ca.crt -CAkey ca.key' +
      ' -extfile server.cnf -extensions server_ext -out server.crt',
  );
}

async function makeSigning(
  dir: string,
  algorithm: SigningAlgorithm,
): Promise<SigningMaterial> {
  await writeFile(join(dir, 'signing.cnf'), signingConfig());

  const newKey = algorithm === 'RS256' ? '-newkey rsa:2048' : P256_NEW_KEY;
  await openssl(
    dir,
    `req -x509 -config signing.cnf -days ${VALID_DAYS} ${newKey}` +
      ' -nodes -keyout signing.key -out signing.crt',
  );

  const certPem = await readFile(join(dir, 'signing.crt'), 'utf8');
  return {
    algorithm,
    keyFile: join(dir, 'signing.key'),
    certFile: join(dir, 'signing.crt'),
    keyPem: await readFile(join(dir, 'signing.key'), 'utf8'),
    certPem,
    certDerBase64: new X509Certificate(certPem).raw.toString('base64'),
  };
}

/** Runs openssl in `dir`; `command` holds only relative, space-free names. */
async function openssl(dir: string, command: string): Promise<void> {
  const args = command.split(' ');
  try {
    await run(OPENSSL ?? 'openssl', args, {
      cwd: dir,
      env: { PATH: SYSTEM_PATH },
      // key generation can take many seconds on a loaded machine
      timeout: 60_000,
    });
  } catch (error) {
    // the last lines only: key generation prints rows of progress dots
    const stderr = ((error as { stderr?: string }).stderr ?? '').slice(-600);
    throw new Error(
      `Making test certificates failed: openssl ${args[0]} ` +
        `${args[1]}: ${stderr.trim() || String(error)}`,
      { cause: error },
    );
  }
}

// Each config names everything, so the system openssl.cnf (which adds
// CA:true to every `req -x509`) plays no part.
function caConfig(): string {
  return [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    'x509_extensions = ca_ext',
    '[dn]',
    'CN = regcred test CA',
    '[ca_ext]',
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}

function serverConfig(): string {
  return [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    '[dn]',
    'CN = localhost',
    '[server_ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = ${SERVER_ALT_NAMES}`,
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
}

// No extendedKeyUsage: Go verifies the x5c chain asking for server auth,
// which a certificate without the extension allows.
function signingConfig(): string {
  return [
    '[req]',
    'prompt = no',
    'distinguished_name = dn',
    'x509_extensions = signing_ext',
    '[dn]',
    'CN = regcred test token signer',
    '[signing_ext]',
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, keyCertSign',
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}
