/**
 * `regcred kubelet-credential-provider`: regcred as the kubelet's image
 * credential provider plugin. Reads a `CredentialProviderRequest` on
 * stdin and prints a `CredentialProviderResponse` holding the credentials
 * `regcred get IMAGE` finds, so any `docker-credential-*` helper can feed
 * a kubelet. Problems go to stderr, never with a secret.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import {
  buildProviderAnswer,
  formatProviderResponse,
} from '../../k8s/kubelet-provider.js';
import { readCredentialProviderRequest } from '../../k8s/kubelet-request.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver } from '../main.js';

/** Runs `kubelet-credential-provider`; returns the exit status. */
export async function runKubeletProvider(
  context: CommandContext,
): Promise<number> {
  const { line, out } = context;
  if (line.positionals.length > 0) {
    throw new UsageError(
      "'kubelet-credential-provider' takes no arguments; it reads a " +
        'CredentialProviderRequest on stdin',
    );
  }
  if (process.stdin.isTTY) {
    out.error(
      "'kubelet-credential-provider' reads a CredentialProviderRequest " +
        'on stdin; the kubelet runs it (see docs/kubernetes.md)',
    );
    return EXIT.failure;
  }

  const reading = await readCredentialProviderRequest(process.stdin);
  if (!reading.ok) {
    out.error(reading.problem);
    return EXIT.failure;
  }
  const { apiVersion, image } = reading.request;

  // an invalid image throws InvalidReferenceError: exit 1, nothing printed
  // NOTE: helpers' stderr is passed through as `get` passes it; regcred
  // cannot vouch that a helper keeps secrets out of it.
  const resolution = await createCliResolver(context).resolveImage(image);
  const answer = buildProviderAnswer(apiVersion, resolution);
  for (const warning of answer.warnings) out.warn(warning);
  out.result(formatProviderResponse(answer.response));
  return EXIT.ok;
}
