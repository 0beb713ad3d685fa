/**
 * Image references built from Docker's grammar, with the parts they were
 * built from, so a test knows what the parser must find.
 *
 * @module
 */
import fc from 'fast-check';
import { lowerAlnum, lowerHex } from './generators.js';

/** A reference and the parts it was built from. */
export interface BuiltReference {
  text: string;
  /** The domain as written, or undefined for a Docker Hub short name. */
  domain: string | undefined;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

const separator = fc.constantFrom('.', '_', '__', '-', '--');

/** One path component: alnum runs joined by separators. */
const component: fc.Arbitrary<string> = fc
  .tuple(
    lowerAlnum,
    fc.array(fc.tuple(separator, lowerAlnum), { maxLength: 2 }),
  )
  .map(
    ([first, rest]) => first + rest.map(([sep, word]) => sep + word).join(''),
  );

/** A repository path of one to four components. */
export const repositoryPath: fc.Arbitrary<string> = fc
  .array(component, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'));

const label: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({
      unit: fc.constantFrom(...'abcXYZ0189'),
      minLength: 1,
      maxLength: 6,
    }),
    fc.boolean(),
  )
  .map(([word, hyphen]) =>
    hyphen && word.length > 1 ? `${word[0]}-${word.slice(1)}` : word,
  );

const port = fc.integer({ min: 1, max: 65535 }).map(String);

/**
 * A registry domain Docker takes for one: a dotted name, `localhost`, an
 * IPv6 literal or a name with a port; the Docker Hub names now and then.
 */
export const registryDomain: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.array(label, { minLength: 2, maxLength: 4 }), fc.option(port))
    .map(([labels, p]) => labels.join('.') + (p === null ? '' : `:${p}`)),
  fc.tuple(label, port).map(([name, p]) => `${name}:${p}`),
  fc.option(port).map((p) => (p === null ? 'localhost' : `localhost:${p}`)),
  fc
    .tuple(fc.constantFrom('::1', 'fe80::1', '2001:db8::5'), fc.option(port))
    .map(([ip, p]) => `[${ip}]${p === null ? '' : `:${p}`}`),
  fc.constantFrom('docker.io', 'index.docker.io', 'registry-1.docker.io'),
);

/** A tag: a word character, then up to 127 of `\w`, `.` and `-`. */
export const tag: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...'aZ09_'),
    fc.string({ unit: fc.constantFrom(...'aZ09_.-'), maxLength: 127 }),
  )
  .map(([first, rest]) => first + rest);

/** A digest Docker's client can verify. */
export const digest: fc.Arbitrary<string> = fc.oneof(
  lowerHex(64).map((hex) => `sha256:${hex}`),
  lowerHex(96).map((hex) => `sha384:${hex}`),
  lowerHex(128).map((hex) => `sha512:${hex}`),
);

/**
 * References Docker accepts: an optional domain, a path of at most 255
 * characters, and an optional tag and digest.
 */
export const validReference: fc.Arbitrary<BuiltReference> = fc
  .record({
    domain: fc.option(registryDomain, { freq: 2 }),
    path: repositoryPath,
    tag: fc.option(tag),
    digest: fc.option(digest, { freq: 3 }),
  })
  .map(({ domain, path, tag, digest }) => ({
    text:
      (domain === null ? '' : `${domain}/`) +
      path +
      (tag === null ? '' : `:${tag}`) +
      (digest === null ? '' : `@${digest}`),
    domain: domain ?? undefined,
    path,
    tag: tag ?? undefined,
    digest: digest ?? undefined,
  }))
  .filter(
    (built) =>
      normalisedPath(built).length <= 255 &&
      !/^[a-f0-9]{64}$/.test(built.text) &&
      (built.domain !== undefined || !looksLikeDomain(built.path)),
  );

/**
 * Whether Docker would take the first component of a path without a
 * domain for one (it holds a dot, or is `localhost`).
 */
function looksLikeDomain(path: string): boolean {
  if (!path.includes('/')) return false;
  const first = path.split('/', 1)[0] ?? '';
  return first.includes('.') || first === 'localhost';
}

/** The domain Docker normalises a built reference to. */
export function normalisedDomain(built: BuiltReference): string {
  const { domain } = built;
  return domain === undefined || domain === 'index.docker.io'
    ? 'docker.io'
    : domain;
}

/** The path Docker normalises a built reference to. */
export function normalisedPath(built: BuiltReference): string {
  const isHub = normalisedDomain(built) === 'docker.io';
  return isHub && !built.path.includes('/')
    ? `library/${built.path}`
    : built.path;
}
