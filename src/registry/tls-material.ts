/**
 * The TLS settings of a login endpoint, as Docker builds them: for a secure
 * host, CA certificates and client certificates from
 * `/etc/docker/certs.d/<host[:port]>/`, added on top of the system CAs; for
 * an insecure host, no verification and no certs.d.
 *
 * In the certs.d folder of a host:
 * - every `*.crt` file holds CA certificates (PEM);
 * - every `*.cert` file is a client certificate whose key is the `*.key`
 *   file of the same name; a `.cert` without its `.key`, or a `.key`
 *   without its `.cert`, is an error;
 * - other files are ignored, and a missing folder is fine.
 *
 * The folder holding the per-host folders is, first match wins:
 * `certsDir` (`--certs-dir`), `REGCRED_CERTS_DIR`, then Docker's own:
 * `$XDG_CONFIG_HOME/docker/certs.d` for rootless Docker
 * (`ROOTLESSKIT_STATE_DIR` set), `%ProgramData%\docker\certs.d` on
 * Windows, else `/etc/docker/certs.d`.
 *
 * `SSL_CERT_FILE`, which Go reads into its system pool, is honoured by
 * adding that file's CAs as well.
 *
 * References:
 * - moby v28.2.2 `registry/registry.go` (`newTLSConfig`,
 *   `ReadCertsDirectory`, `HostCertsDir`), `config_unix.go`,
 *   `config_windows.go`
 * - docker-cli-auth.md §5.6, docker-28-observed.md "TLS and where the CA
 *   goes" (shared/reference)
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryLoginError } from '../errors.js';
import { debug } from '../debug.js';
import { cryptoModule, tlsModule } from '../internal/lazy-builtins.js';

/** TLS settings for connections to one endpoint. */
export interface TlsMaterial {
  /** Check the server's certificate and name. */
  verify: boolean;
  /**
   * The CAs to trust, system CAs included, when anything was added to
   * them; undefined means Node's defaults.
   */
  ca?: string[];
  /** A client certificate and its key (PEM), when certs.d has one. */
  clientCertificate?: { cert: string; key: string };
  /**
   * Where a CA for this host belongs: a sentence for error messages,
   * naming the certs.d file and SSL_CERT_FILE.
   */
  caAdvice: string;
}

/** What {@link loadTlsMaterial} needs to know. */
export interface TlsMaterialOptions {
  /** The registry's `host[:port]`, as the certs.d folder is named. */
  host: string;
  /** Verify certificates (false for an insecure host). */
  verify: boolean;
  /** Read the host's certs.d folder. */
  useCertsDirectory: boolean;
  /** A folder read instead of Docker's certs.d (`--certs-dir`). */
  certsDir?: string | undefined;
  env: NodeJS.ProcessEnv;
}

const PEM_CERTIFICATE_REGEXP =
  /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/**
 * Builds the TLS settings of an endpoint.
 *
 * @throws {RegistryLoginError} ERR_TLS when the host's certs.d folder cannot
 *   be read, or holds a client certificate without its key (or the other
 *   way round), or a pair that does not load.
 */
export async function loadTlsMaterial(
  options: TlsMaterialOptions,
): Promise<TlsMaterial> {
  const { host, verify, useCertsDirectory, env } = options;
  const root = certsRoot(options.certsDir, env);
  const folder = join(root, hostFolderName(host));
  const caAdvice = adviceFor(folder, host, options.certsDir !== undefined);
  if (!verify) return { verify, caAdvice };

  // added CAs: SSL_CERT_FILE (as Go's system pool has it), then certs.d
  const added = await readSslCertFile(env);
  let clientCertificate: TlsMaterial['clientCertificate'];
  if (useCertsDirectory) {
    const contents = await readCertsDirectory(folder);
    added.push(...contents.cas);
    clientCertificate = contents.clientCertificate;
  }
  const material: TlsMaterial = { verify, caAdvice };
  if (added.length > 0) {
    const { rootCertificates } = tlsModule();
    material.ca = [...rootCertificates, ...added];
  }
  if (clientCertificate !== undefined) {
    material.clientCertificate = clientCertificate;
  }
  return material;
}

/** The folder that holds one folder per registry host. */
export function certsRoot(
  certsDir: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (certsDir !== undefined && certsDir !== '') return certsDir;
  const fromEnv = env['REGCRED_CERTS_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.platform === 'win32') {
    return join(env['ProgramData'] ?? 'C:\\ProgramData', 'docker', 'certs.d');
  }
  if (env['ROOTLESSKIT_STATE_DIR'] !== undefined) {
    const configHome = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
    return join(configHome, 'docker', 'certs.d');
  }
  return '/etc/docker/certs.d';
}

/** A host's folder name: `host:port`; Windows drops the colons. */
function hostFolderName(host: string): string {
  return process.platform === 'win32' ? host.replaceAll(':', '') : host;
}

function adviceFor(
  folder: string,
  host: string,
  chosenFolder: boolean,
): string {
  const where = join(folder, 'ca.crt');
  const inFolder = join(hostFolderName(host), 'ca.crt');
  const other = chosenFolder
    ? ''
    : ` (or in ${inFolder} under a --certs-dir folder)`;
  return (
    `put the registry's CA certificate in ${where}${other}, ` +
    'or name a CA bundle that holds it in SSL_CERT_FILE'
  );
}

/** The CAs in the file SSL_CERT_FILE names; none when it is unset or
 * unreadable, as Go skips such a file. */
async function readSslCertFile(env: NodeJS.ProcessEnv): Promise<string[]> {
  const path = env['SSL_CERT_FILE'];
  if (path === undefined || path === '') return [];
  try {
    return certificatesIn(await readFile(path, 'utf8'), path);
  } catch (error) {
    debug(`tls: SSL_CERT_FILE ${path} not read: ${describe(error)}`);
    return [];
  }
}

interface CertsDirectoryContents {
  cas: string[];
  clientCertificate?: { cert: string; key: string };
}

/** Reads one host's certs.d folder; see the module comment. */
async function readCertsDirectory(
  folder: string,
): Promise<CertsDirectoryContents> {
  let names: string[];
  try {
    names = (await readdir(folder)).sort();
  } catch (error) {
    if (isMissing(error)) return { cas: [] };
    throw tlsSetupError(folder, `cannot list it: ${describe(error)}`);
  }

  const contents: CertsDirectoryContents = { cas: [] };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      const text = await readText(join(folder, name));
      contents.cas.push(...certificatesIn(text, join(folder, name)));
    } else if (name.endsWith('.cert')) {
      const pair = await readClientPair(folder, name, names);
      // NOTE: Docker loads every pair and Go picks one per handshake; here
      // the first pair (by file name) is used, which is the same whenever
      // a folder holds one pair, as it nearly always does.
      contents.clientCertificate ??= pair;
    } else if (name.endsWith('.key')) {
      const certName = name.slice(0, -'.key'.length) + '.cert';
      if (!names.includes(certName)) {
        throw tlsSetupError(
          folder,
          `missing client certificate ${certName} for key ${name}`,
        );
      }
    }
  }
  return contents;
}

async function readClientPair(
  folder: string,
  certName: string,
  names: string[],
): Promise<{ cert: string; key: string }> {
  const keyName = certName.slice(0, -'.cert'.length) + '.key';
  if (!names.includes(keyName)) {
    throw tlsSetupError(
      folder,
      `missing key ${keyName} for client certificate ${certName}; ` +
        'CA certificates must use the extension .crt',
    );
  }
  const cert = await readText(join(folder, certName));
  const key = await readText(join(folder, keyName));
  const { X509Certificate, createPrivateKey } = cryptoModule();
  try {
    const certificate = new X509Certificate(cert);
    if (!certificate.checkPrivateKey(createPrivateKey(key))) {
      throw new Error('the key does not belong to the certificate');
    }
  } catch (error) {
    throw tlsSetupError(
      folder,
      `cannot load the client certificate ${certName} with ${keyName}: ` +
        describe(error),
    );
  }
  return { cert, key };
}

/**
 * The PEM certificates in `text` that parse; others are skipped, as Go's
 * `AppendCertsFromPEM` skips them.
 */
function certificatesIn(text: string, path: string): string[] {
  const { X509Certificate } = cryptoModule();
  const found: string[] = [];
  for (const [pem] of text.matchAll(PEM_CERTIFICATE_REGEXP)) {
    try {
      new X509Certificate(pem);
      found.push(pem);
    } catch {
      debug(`tls: skipped a certificate in ${path} that does not parse`);
    }
  }
  return found;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw tlsSetupError(path, `cannot read it: ${describe(error)}`);
  }
}

function tlsSetupError(where: string, detail: string): RegistryLoginError {
  return new RegistryLoginError(
    'ERR_TLS',
    `Cannot use the TLS certificates in ${where}: ${detail}`,
    { url: where },
  );
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
