/**
 * `regcred k8s secret NAME [REGISTRY...]` prints an image pull secret with
 * the credentials Docker would use, as kubectl prints one;
 * `regcred k8s import FILE` stores the credentials of such a secret in the
 * store Docker picks for each registry.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import { HelperError, RegcredError, UsageError } from '../../errors.js';
import { detectedStoreHint } from '../detected-store.js';
import {
  checkSecretMetadata,
  renderSecretJson,
  renderSecretYaml,
  type PullCredential,
} from '../../k8s/pull-secret.js';
import {
  readPullSecret,
  type ImportedCredential,
} from '../../k8s/secret-import.js';
import { storeCredentials } from '../../stores/credential-writer.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver, createCliWriterOptions } from '../main.js';
import { printableInline } from '../output.js';
import { readCapped } from '../../internal/read-capped.js';

const SUBCOMMANDS =
  "'regcred k8s secret NAME [REGISTRY...]' or 'regcred k8s import FILE'";

/** Runs `k8s`; returns the exit status. */
export async function runK8s(context: CommandContext): Promise<number> {
  const [subcommand, ...rest] = context.line.positionals;
  switch (subcommand) {
    case 'secret':
      return runSecret(context, rest);
    case 'import':
      return runImport(context, rest);
    case undefined:
      throw new UsageError(`'k8s' needs a subcommand: ${SUBCOMMANDS}`);
    default:
      throw new UsageError(
        `Unknown 'k8s' subcommand '${subcommand}'; use ${SUBCOMMANDS}`,
      );
  }
}

/**
 * Several registries go into one secret, ordered as kubectl's Go JSON
 * encoder orders map keys; a registry named twice (docker.io and
 * index.docker.io) appears once.
 */
async function runSecret(
  context: CommandContext,
  args: readonly string[],
): Promise<number> {
  const { line, out } = context;
  const [name, ...registries] = args;
  if (name === undefined) {
    throw new UsageError(
      "'k8s secret' needs a Secret name, e.g. " +
        "'regcred k8s secret registry-credentials ghcr.io'",
    );
  }
  const namespace = line.options.namespace as string | undefined;
  const metadata = { name, namespace };
  // before any helper runs
  checkSecretMetadata(metadata);
  const credentials = await resolveAll(context, registries);
  const text =
    line.options.json === true
      ? renderSecretJson(metadata, credentials)
      : renderSecretYaml(metadata, credentials);
  out.warn(
    'the Secret printed holds registry passwords (base64 is no ' +
      'encryption); keep it out of logs and version control',
  );
  out.result(text);
  return EXIT.ok;
}

/**
 * The credentials of each registry, refused when the kubelet could not
 * use them.
 *
 * NOTE: the refusals are RegcredErrors with the code ERR_USAGE (exit 1);
 * a code of their own needs src/errors.ts, which this task does not own.
 */
async function resolveAll(
  context: CommandContext,
  registries: readonly string[],
): Promise<PullCredential[]> {
  const resolver = createCliResolver(context);
  const wanted = registries.length === 0 ? [undefined] : registries;
  const found = new Map<string, PullCredential>();
  for (const registry of wanted) {
    const resolution = await resolver.resolveRegistry(registry);
    for (const warning of resolution.warnings) {
      context.out.warn(warning.message);
    }
    const { key, authConfig } = resolution;
    const shown = printableInline(key);
    if (authConfig.identitytoken || authConfig.registrytoken) {
      throw new RegcredError(
        'ERR_USAGE',
        `The credentials for '${shown}' are a token, which the kubelet ` +
          'cannot use; log in with a user name and password (or an ' +
          `access token as password): regcred login ${shown}`,
      );
    }
    const { username = '', password = '', email } = authConfig;
    if (username === '' || password === '') {
      throw new RegcredError(
        'ERR_USAGE',
        `No credentials for '${shown}': a pull secret needs a user name ` +
          `and a password; run 'regcred login ${shown}' first`,
      );
    }
    found.set(key, { server: key, username, password, email });
  }
  return [...found.values()];
}

/**
 * Reads the whole file before storing anything; stores each credential
 * through the store Docker picks for its key.
 */
async function runImport(
  context: CommandContext,
  args: readonly string[],
): Promise<number> {
  const { line, out } = context;
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0) {
    throw new UsageError(
      "'k8s import' takes one FILE, or '-' for standard input: " +
        'regcred k8s import FILE',
    );
  }
  if (line.options.json !== undefined || line.options.namespace !== undefined) {
    throw new UsageError("'k8s import' takes no --json or --namespace");
  }
  const credentials = readPullSecret(
    await readText(file),
    file === '-' ? 'standard input' : file,
  );
  const config = await createCliResolver(context).loadContext();
  const writer = createCliWriterOptions(context, config);
  const done: string[] = [];
  for (const credential of credentials) {
    try {
      await storeCredentials(credential, writer);
    } catch (error) {
      reportPartialImport(context, credential, done);
      if (!(error instanceof HelperError)) throw error;
      const hint = detectedStoreHint(writer, credential.key);
      if (hint === '') throw error;
      throw new RegcredError(error.code, `${error.message}${hint}`, {
        cause: error,
      });
    }
    done.push(credential.key);
    out.result(`Imported credentials for ${printableInline(credential.key)}\n`);
  }
  return EXIT.ok;
}

function reportPartialImport(
  context: CommandContext,
  failed: ImportedCredential,
  done: readonly string[],
): void {
  const stored = done.map((key) => `'${printableInline(key)}'`).join(', ');
  context.out.warn(
    `storing the credentials for '${printableInline(failed.key)}' failed; ` +
      (done.length === 0
        ? 'nothing was imported'
        : `stored already: ${stored}`),
  );
}

/** Kubernetes refuses Secrets over 1 MiB; a file much larger than that
 * is not a pull secret, so it is refused before it is read whole. */
const MAX_SECRET_FILE_BYTES = 4 * 1024 * 1024;

/** Reads FILE, or standard input when FILE is '-'. A pipe such as
 * /dev/stdin works too; anything is read only up to the cap. */
async function readText(file: string): Promise<string> {
  if (file === '-') {
    return readWithin(process.stdin, 'standard input');
  }
  try {
    const opened = await open(file, 'r');
    try {
      if ((await opened.stat()).isDirectory()) {
        throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
      }
      return await readWithin(opened.createReadStream(), `'${file}'`);
    } finally {
      await opened.close().catch(() => undefined);
    }
  } catch (error) {
    if (error instanceof RegcredError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RegcredError(
      'ERR_CONFIG_READ',
      `Cannot read '${file}': ${code}. Give the path of a Secret or ` +
        ".dockerconfigjson file, or '-' for standard input",
      { cause: error },
    );
  }
}

async function readWithin(
  input: AsyncIterable<Buffer | string>,
  what: string,
): Promise<string> {
  const bytes = await readCapped(input, MAX_SECRET_FILE_BYTES);
  if (bytes === undefined) throw tooLarge(what);
  return bytes.toString('utf8');
}

function tooLarge(what: string): RegcredError {
  return new RegcredError(
    'ERR_CONFIG_READ',
    `${what} holds more than ${MAX_SECRET_FILE_BYTES} bytes, which is no ` +
      'pull secret (Kubernetes caps a Secret at 1 MiB). Give the Secret ' +
      'or .dockerconfigjson file itself',
  );
}
