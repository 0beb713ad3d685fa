/**
 * `regcred get REF` and `regcred get --registry ADDRESS`: the credentials
 * Docker would send, printed as the JSON of its X-Registry-Auth header.
 *
 * @module
 */
import { toDockerJson } from '../../auth-config.js';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver } from '../main.js';
import { printableInline } from '../output.js';

/** Runs `get`; returns the exit status. */
export async function runGet(context: CommandContext): Promise<number> {
  const { line, out } = context;
  const registry = line.options.registry as string | undefined;
  const [reference, ...extra] = line.positionals;
  if (registry !== undefined && reference !== undefined) {
    throw new UsageError(
      'Give either an image reference or --registry ADDRESS, not both',
    );
  }
  if (registry === undefined && reference === undefined) {
    throw new UsageError(
      "'get' needs an image reference, e.g. 'regcred get alpine', or --registry ADDRESS",
    );
  }
  if (extra.length > 0) {
    throw new UsageError(
      `'get' takes one image reference; unexpected '${extra[0]}'`,
    );
  }

  if (line.options.podman) {
    return await runPodmanGet(context, registry, reference);
  }

  if (reference !== undefined && looksLikeRegistryAddress(reference)) {
    out.warn(
      `'${printableInline(reference)}' is read as a Docker Hub image, as ` +
        'docker pull reads it; for the registry give --registry ' +
        `${printableInline(reference)}, or an image on it as HOST/NAME`,
    );
  }
  const resolver = createCliResolver(context);
  const resolution =
    registry === undefined
      ? await resolver.resolveImage(reference ?? '')
      : await resolver.resolveRegistry(registry);

  if (line.options.strict && resolution.warnings.length > 0) {
    for (const warning of resolution.warnings) out.error(warning.message);
    return EXIT.failure;
  }
  for (const warning of resolution.warnings) out.warn(warning.message);
  out.result(`${toDockerJson(resolution.authConfig)}\n`);
  return EXIT.ok;
}

/** True for a reference like `127.0.0.1:5000` or `reg.example.com`: a
 * host name with no image path, which Docker takes for a Hub image (the
 * port becoming its tag) although the user most likely meant a registry. */
function looksLikeRegistryAddress(reference: string): boolean {
  if (reference.includes('/') || reference.includes('@')) return false;
  const name = reference.split(':')[0] ?? '';
  return name.includes('.') || name === 'localhost';
}

/** `get --podman`: the credentials podman/skopeo would use for an image. */
async function runPodmanGet(
  context: CommandContext,
  registry: string | undefined,
  reference: string | undefined,
): Promise<number> {
  const { line, out, env, helperTimeoutMs } = context;
  if (registry !== undefined || reference === undefined) {
    throw new UsageError(
      "'get --podman' needs an image reference, e.g. " +
        "'regcred get --podman quay.io/org/app'; --registry is not supported",
    );
  }
  const uid = process.getuid?.() ?? 0;
  // loaded on demand: the plain `get` Docker runs on every pull skips it
  const { lookupPodmanAuth } = await import('../../podman/auth-lookup.js');
  const result = await lookupPodmanAuth(
    reference,
    { env, uid },
    { timeoutMs: helperTimeoutMs },
  );
  if (line.options.strict && result.warnings.length > 0) {
    for (const warning of result.warnings) out.error(warning);
    return EXIT.failure;
  }
  for (const warning of result.warnings) out.warn(warning);
  out.result(`${toDockerJson(result.authConfig)}\n`);
  return EXIT.ok;
}
