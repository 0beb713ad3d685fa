/**
 * Image references (`alpine`, `ghcr.io/org/app:1.2@sha256:…`) read the way
 * `docker pull` reads them, and the credential key Docker derives from one.
 *
 * References:
 * - distribution/reference v0.6.0, `ParseNormalizedNamed` (as vendored by
 *   Docker CLI 28.2.2): https://github.com/distribution/reference/tree/v0.6.0
 * - opencontainers/go-digest v1.0.0, `Digest.Validate`
 * - docker-cli-auth.md §2.4 and §10.3 (shared/reference)
 *
 * @module
 */

import { InvalidReferenceError } from '../errors.js';
import { displayText } from '../internal/control-characters.js';

/** An image reference split into the parts a registry client needs. */
export interface ImageReference {
  /**
   * The registry domain after Docker's normalisation, such as `docker.io`,
   * `localhost:5000` or `[::1]:5000`. Case is kept. Empty in the one case
   * Docker leaves it empty: a first component such as `a_b.c` that looks
   * like a host but is not a valid one is read as part of the path.
   */
  domain: string;
  /** The repository path, such as `library/alpine`. */
  path: string;
  /**
   * The tag, absent when none was given (Docker then pulls `latest`, but
   * the reference itself has no tag).
   */
  tag?: string;
  /** The digest, such as `sha256:` followed by 64 hex digits. */
  digest?: string;
}

/**
 * The config key Docker stores and looks up Docker Hub credentials under,
 * byte for byte, trailing slash included.
 */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const HUB_DOMAIN = 'docker.io';
const LEGACY_HUB_DOMAIN = 'index.docker.io';
const LOCALHOST = 'localhost';
const OFFICIAL_PREFIX = 'library/';

/** Longest repository path Docker accepts, in characters. */
const MAX_PATH_LENGTH = 255;

/*
 * The grammar, after distribution/reference:
 *
 *   reference   := name [ ":" tag ] [ "@" digest ]
 *   name        := [ domain "/" ] path
 *   domain      := host [ ":" port ]
 *   host        := domain-name | "[" 1*( HEXDIG | ":" ) "]"
 *   domain-name := label *( "." label )
 *   label       := ALNUM [ *( ALNUM | "-" ) ALNUM ]   ; either case
 *   port        := 1*DIGIT
 *   path        := component *( "/" component )
 *   component   := 1*alnum *( separator 1*alnum )   ; alnum: a-z 0-9
 *   separator   := "." | "_" | "__" | 1*"-"
 *   tag         := WORD 0*127( WORD | "." | "-" )   ; WORD: \w
 *   digest      := algorithm ":" 32*HEXDIG
 *   algorithm   := alg-part *( ( "-" | "_" | "+" | "." ) alg-part )
 *   alg-part    := ALPHA *ALNUM
 *
 * Because a domain cannot hold "/" and a path cannot hold ":" or "@", the
 * parts are found by cutting at "@", then at a ":" after the last "/", then
 * at the first "/" (a domain only if it fits the domain rule). This gives
 * the same split as the leftmost-first regular expression Docker uses,
 * without its worst-case backtracking in JavaScript.
 */
const LABEL_PATTERN = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN_NAME_PATTERN = `${LABEL_PATTERN}(?:\\.${LABEL_PATTERN})*`;
const IPV6_PATTERN = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_REGEXP = new RegExp(
  `^(?:${DOMAIN_NAME_PATTERN}|${IPV6_PATTERN})(?::[0-9]+)?$`,
);
const COMPONENT_PATTERN = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH_REGEXP = new RegExp(
  `^${COMPONENT_PATTERN}(?:/${COMPONENT_PATTERN})*$`,
);
const TAG_REGEXP = /^\w[\w.-]{0,127}$/;
const DIGEST_REGEXP =
  /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;

/** A full image ID, which Docker refuses to read as a repository name. */
const IMAGE_ID_REGEXP = /^[a-f0-9]{64}$/;

/** go-digest's looser digest shape, used to tell "unsupported" apart. */
const LOOSE_DIGEST_REGEXP = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** The only hex go-digest accepts for the algorithms it knows. */
const LOWER_HEX_REGEXP = /^[a-f0-9]+$/;

/** Hex length of each digest algorithm Docker's client can verify. */
const DIGEST_HEX_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

const FORMAT_HINT =
  'A reference reads [HOST[:PORT]/]PATH[:TAG][@DIGEST] with a lowercase ' +
  "PATH, as in 'alpine', 'alpine:3.20' or " +
  "'registry.example.com:5000/team/app@sha256:<64 hex digits>'";
const LOWERCASE_HINT =
  'Write the repository path in lowercase; only the registry host may ' +
  "hold uppercase letters, as in 'Registry.example.com/team/app'";
const TOO_LONG_HINT =
  `Shorten the repository path to ${MAX_PATH_LENGTH} characters ` + 'or fewer';
const IMAGE_ID_HINT =
  'A bare 64-digit hex string is an image ID, not a repository name; ' +
  "name the repository, as in 'alpine@sha256:<64 hex digits>'";
const DIGEST_HINT =
  'A digest reads ALGORITHM:HEX, as in sha256: followed by 64 lowercase ' +
  'hex digits; sha256, sha384 and sha512 are supported';

/** The parts the grammar finds, before Docker's further checks. */
interface ReferenceParts {
  domain: string;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

/**
 * Parses an image reference exactly as `docker pull REF` does
 * (distribution/reference `ParseNormalizedNamed`): a bare name goes to
 * Docker Hub, `index.docker.io` becomes `docker.io`, and a single-component
 * Hub path gets the `library/` prefix.
 *
 * The first component is the registry domain when it holds `.` or `:`, is
 * `localhost`, or holds an uppercase letter; otherwise the reference is a
 * Docker Hub path.
 *
 * @param reference The reference as a user would type it.
 * @returns The domain, path and, when given, the tag and digest.
 * @throws {InvalidReferenceError} When Docker would reject the reference;
 *   the message holds Docker's own reason and a hint.
 *
 * @example
 * ```ts
 * parseImageReference('alpine:3.20');
 * // { domain: 'docker.io', path: 'library/alpine', tag: '3.20' }
 * ```
 */
export function parseImageReference(reference: string): ImageReference {
  // JavaScript callers can pass anything
  if (typeof reference !== 'string') {
    throw new InvalidReferenceError(
      String(reference),
      'a reference must be a string, as in "alpine"',
    );
  }
  if (IMAGE_ID_REGEXP.test(reference)) {
    throw invalid(
      reference,
      `invalid repository name (${displayText(reference)}), ` +
        'cannot specify 64-byte hexadecimal strings',
      IMAGE_ID_HINT,
    );
  }

  // the Hub path is checked for case before the grammar is applied
  const { domain, remainder } = splitDockerDomain(reference);
  const remote = remainder.split(':', 1)[0] ?? remainder;
  if (goToLower(remote) !== remote) {
    throw invalid(
      reference,
      `invalid reference format: repository name (${displayText(remote)}) must be lowercase`,
      LOWERCASE_HINT,
    );
  }

  const normalized = `${domain}/${remainder}`;
  const parts = matchReference(normalized);
  if (parts === undefined) {
    throw grammarError(reference, normalized);
  }
  if (parts.path.length > MAX_PATH_LENGTH) {
    throw invalid(
      reference,
      `repository name must not be more than ${MAX_PATH_LENGTH} characters`,
      TOO_LONG_HINT,
    );
  }
  if (parts.digest !== undefined) {
    const problem = digestProblem(parts.digest);
    if (problem !== undefined) throw invalid(reference, problem, DIGEST_HINT);
  }

  return toImageReference(parts);
}

/**
 * Returns the config key Docker reads credentials under for a registry
 * domain: the Hub key for `docker.io` and `index.docker.io`, anything else
 * verbatim, case and port kept. `registry-1.docker.io` is not an alias.
 *
 * References: docker-cli-auth.md §2.4 ("Reads") and §10.3.
 *
 * @param domain A domain as found by {@link parseImageReference}.
 * @returns The key to look up in `auths`, `credHelpers` or a helper.
 *
 * @example
 * ```ts
 * credentialKeyForDomain('docker.io'); // 'https://index.docker.io/v1/'
 * credentialKeyForDomain('myreg:443'); // 'myreg:443'
 * ```
 */
export function credentialKeyForDomain(domain: string): string {
  if (domain === HUB_DOMAIN || domain === LEGACY_HUB_DOMAIN) {
    return DOCKER_HUB_KEY;
  }
  return domain;
}

/** Docker's `splitDockerDomain`: picks the domain and the path after it. */
function splitDockerDomain(reference: string): {
  domain: string;
  remainder: string;
} {
  const slash = reference.indexOf('/');
  let domain = HUB_DOMAIN;
  let remainder = reference;
  if (slash !== -1) {
    const first = reference.slice(0, slash);
    if (looksLikeDomain(first)) {
      domain = first === LEGACY_HUB_DOMAIN ? HUB_DOMAIN : first;
      remainder = reference.slice(slash + 1);
    }
  }

  if (domain === HUB_DOMAIN && !remainder.includes('/')) {
    remainder = OFFICIAL_PREFIX + remainder;
  }
  return { domain, remainder };
}

/** Whether Docker takes a first path component for a registry domain. */
function looksLikeDomain(component: string): boolean {
  return (
    component === LOCALHOST ||
    component.includes('.') ||
    component.includes(':') ||
    goToLower(component) !== component
  );
}

/** Applies the grammar to `domain/remainder`; undefined when it fails. */
function matchReference(text: string): ReferenceParts | undefined {
  const at = text.indexOf('@');
  const nameAndTag = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST_REGEXP.test(digest)) return undefined;

  // a tag follows the last ":" only when no "/" comes after it
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG_REGEXP.test(tag)) return undefined;

  const repository = splitName(name);
  if (repository === undefined) return undefined;
  return { ...repository, tag, digest };
}

/**
 * Splits a name into domain and path. The first component is a domain only
 * if it fits the domain rule; otherwise the whole name must be a path.
 */
function splitName(name: string): { domain: string; path: string } | undefined {
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const domain = name.slice(0, slash);
    const path = name.slice(slash + 1);
    if (DOMAIN_REGEXP.test(domain) && PATH_REGEXP.test(path)) {
      return { domain, path };
    }
  }
  return PATH_REGEXP.test(name) ? { domain: '', path: name } : undefined;
}

/** Docker's reason when the grammar fails: case, or the format itself. */
function grammarError(
  reference: string,
  normalized: string,
): InvalidReferenceError {
  const lowered = goToLower(normalized);
  if (lowered !== normalized && matchReference(lowered) !== undefined) {
    return invalid(
      reference,
      'repository name must be lowercase',
      LOWERCASE_HINT,
    );
  }
  return invalid(reference, 'invalid reference format', FORMAT_HINT);
}

/** go-digest v1.0.0 `Validate`: undefined when the digest is usable. */
function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTHS.get(algorithm);
  if (length === undefined) {
    return LOOSE_DIGEST_REGEXP.test(digest)
      ? 'unsupported digest algorithm'
      : 'invalid checksum digest format';
  }
  if (hex.length !== length) return 'invalid checksum digest length';
  if (!LOWER_HEX_REGEXP.test(hex)) return 'invalid checksum digest format';
  return undefined;
}

/** Builds the result, leaving out the tag and digest when absent. */
function toImageReference(parts: ReferenceParts): ImageReference {
  const result: ImageReference = { domain: parts.domain, path: parts.path };
  if (parts.tag !== undefined) result.tag = parts.tag;
  if (parts.digest !== undefined) result.digest = parts.digest;
  return result;
}

/**
 * Lower-cases one code point at a time, as Go's `strings.ToLower` does.
 * JavaScript's `toLowerCase` uses context and multi-character mappings
 * (final sigma, U+0130 to "i" plus a combining dot); Go maps U+0130 to "i".
 */
function goToLower(text: string): string {
  let lowered = '';
  for (const char of text) {
    lowered += char === '\u0130' ? 'i' : char.toLowerCase();
  }
  return lowered;
}

/** An error holding Docker's reason followed by what to do about it. */
function invalid(
  reference: string,
  dockerReason: string,
  hint: string,
): InvalidReferenceError {
  return new InvalidReferenceError(reference, `${dockerReason}. ${hint}`);
}
