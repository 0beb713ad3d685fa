/**
 * The request half of the kubelet's image credential provider exchange
 * (`credentialprovider.kubelet.k8s.io`): reading and checking the
 * `CredentialProviderRequest` the kubelet writes on a plugin's stdin.
 *
 * Reference: kubernetes/kubelet `pkg/apis/credentialprovider/v1/types.go`
 * (anchors.md §5, "Credential provider plugins").
 *
 * @module
 */
import { escapeControlCharacters } from '../internal/control-characters.js';
import { readCapped } from '../internal/read-capped.js';

/** The exchange version regcred speaks first. */
export const PROVIDER_API_V1 = 'credentialprovider.kubelet.k8s.io/v1';

/**
 * The older version, with the same fields as v1. Accepted so that kubelets
 * configured with it keep working; the answer uses the request's version,
 * since the kubelet drops an answer in any other version.
 */
export const PROVIDER_API_V1BETA1 = 'credentialprovider.kubelet.k8s.io/v1beta1';

/** The versions a request may name. */
export const PROVIDER_API_VERSIONS: readonly string[] = [
  PROVIDER_API_V1,
  PROVIDER_API_V1BETA1,
];

/** The only `kind` a request may have. */
export const REQUEST_KIND = 'CredentialProviderRequest';

/** The largest request read; a real one is a few hundred bytes (a
 * service-account token makes it a few KiB). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** A checked request. Other fields (a service-account token and its
 * annotations) are ignored: regcred's stores do not use them. */
export interface CredentialProviderRequest {
  /** The exchange version, one of {@link PROVIDER_API_VERSIONS}. */
  apiVersion: string;
  /** The image the kubelet is about to pull, as it names it. */
  image: string;
}

/** A request, or the reason it cannot be answered; never holds a secret. */
export type RequestReading =
  | { ok: true; request: CredentialProviderRequest }
  | { ok: false; problem: string };

const WHAT_TO_SEND =
  `Send {"kind":"${REQUEST_KIND}","apiVersion":"${PROVIDER_API_V1}",` +
  '"image":"registry.example.com/team/app"}; the kubelet does this itself';

/** Reads the whole of `input` (at most {@link MAX_REQUEST_BYTES}) and
 * checks it as a request. */
export async function readCredentialProviderRequest(
  input: AsyncIterable<Buffer | string>,
): Promise<RequestReading> {
  const bytes = await readCapped(input, MAX_REQUEST_BYTES);
  if (bytes === undefined) {
    return refuse(
      `The request on stdin is larger than ${MAX_REQUEST_BYTES} bytes`,
    );
  }
  return parseCredentialProviderRequest(bytes);
}

/** Checks the bytes of a request: JSON, `kind`, `apiVersion`, `image`. */
export function parseCredentialProviderRequest(bytes: Buffer): RequestReading {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refuse('The request on stdin is not UTF-8 text');
  }
  if (text.trim() === '') return refuse('No request on stdin');

  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which may hold a token
    return refuse('The request on stdin is not valid JSON');
  }
  if (!isObject(document)) {
    return refuse('The request on stdin is not a JSON object');
  }
  return checkFields(document);
}

function checkFields(document: Record<string, unknown>): RequestReading {
  const { kind, apiVersion, image } = document;
  if (kind !== REQUEST_KIND) {
    return refuse(
      `The request's kind is ${describe(kind)}, not '${REQUEST_KIND}'`,
    );
  }
  if (
    typeof apiVersion !== 'string' ||
    !PROVIDER_API_VERSIONS.includes(apiVersion)
  ) {
    const known = PROVIDER_API_VERSIONS.map((v) => `'${v}'`).join(' or ');
    return refuse(
      `The request's apiVersion is ${describe(apiVersion)}; ` +
        `regcred speaks ${known}. Set the provider's apiVersion in the ` +
        'CredentialProviderConfig to one of them',
    );
  }
  if (typeof image !== 'string' || image.trim() === '') {
    return refuse(
      `The request's image is ${describe(image)}; it must name an image`,
    );
  }
  return { ok: true, request: { apiVersion, image } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field's value for a message: quoted, one line, cut short. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value !== 'string') return `not a string (${typeof value})`;
  if (value === '') return 'empty';
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  // JSON leaves DEL and the C1 controls (U+009B starts a terminal
  // escape) as they are
  return escapeControlCharacters(JSON.stringify(shown));
}

function refuse(reason: string): RequestReading {
  return { ok: false, problem: `${reason}. ${WHAT_TO_SEND}` };
}
