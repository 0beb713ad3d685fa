/**
 * A seeded generator of differential cases: config.json texts with
 * `auths` entries under varied keys and in varied shapes, `credsStore`
 * and `credHelpers`, fake helpers with varied answers, and image
 * references that do or do not match them.
 *
 * It avoids what Docker answers at random (several legacy keys that stand
 * for the reference's key) and `DOCKER_AUTH_CONFIG`, which regcred honours
 * on purpose and Docker 28.2.2 ignores. A few configs Docker loads with its
 * parse warning are made on purpose, so that leaving them out is tested.
 *
 * @module
 */
import type {
  ConfigLocation,
  DifferentialCase,
  HelperBehaviourName,
  PathStyle,
} from './differential-case.js';
import { HELPER_BEHAVIOURS } from './differential-case.js';
import { JsonObject, JsonText, type JsonNode } from './json-text.js';

/** The key Docker uses for Docker Hub. */
export const HUB_KEY = 'https://index.docker.io/v1/';

/** Options for {@link generateCases}. */
export interface GeneratorOptions {
  /**
   * Use only registry names `docker pull` does not look up in DNS (IP
   * addresses, `localhost` and Docker Hub's names), for machines where it
   * cannot be cut off from the network. @default false
   */
  noLookups?: boolean;
}

/**
 * Makes `count` cases from `seed`; the same seed always gives the same
 * cases.
 */
export function generateCases(
  seed: number,
  count: number,
  options: GeneratorOptions = {},
): DifferentialCase[] {
  const random = new Random(seed);
  const cases: DifferentialCase[] = [];
  for (let index = 0; index < count; index++) {
    const name = `seed ${seed} #${index}`;
    cases.push(generateCase(random, name, options.noLookups ?? false));
  }
  return cases;
}

/** A small, fast, seeded PRNG (mulberry32) with picking helpers. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** The same elements in a random order. */
  shuffle<T>(list: readonly T[]): T[] {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new RangeError('pick() needs a list');
    return list[Math.floor(this.next() * list.length)] as T;
  }
}

/** A registry host a reference can name, and whether Docker looks it up. */
interface Host {
  name: string;
  lookup: boolean;
}

const HOSTS: readonly Host[] = [
  { name: 'e.example', lookup: true },
  { name: 'Host.Example', lookup: true },
  { name: 'reg.test:5000', lookup: true },
  { name: 'reg.test:443', lookup: true },
  { name: 'a-b.c-d.test', lookup: true },
  { name: 'Myreg', lookup: true },
  { name: 'myreg:443', lookup: true },
  { name: 'registry-1.docker.io', lookup: true },
  { name: 'Docker.io', lookup: true },
  { name: 'localhost', lookup: false },
  { name: 'localhost:5000', lookup: false },
  { name: 'LOCALHOST:5000', lookup: true },
  { name: '127.0.0.1:5000', lookup: false },
  { name: '127.0.0.1', lookup: false },
  { name: '[::1]:5000', lookup: false },
  { name: '[::1]', lookup: false },
];

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const HUB_REFERENCES = [
  'alpine',
  'localhost',
  'localhost:5000',
  'e.example:5000',
  'e.example',
  'a.b',
  `x@sha512:${'ab'.repeat(64)}`,
  'alpine:3.20',
  'library/alpine',
  'someuser/app',
  'docker.io/library/alpine',
  'docker.io/alpine',
  'index.docker.io/library/alpine',
  'index.docker.io/someuser/app:v1',
  `alpine@${DIGEST}`,
];

/** References Docker rejects; regcred must reject them too. */
const INVALID_REFERENCES = [
  'e.example/UPPER',
  'e.example/x:',
  'https://e.example/x',
  'e.example//x',
  '-x',
  'alpine:bad tag',
  `e.example/x@sha256:abc`,
  `e.example/x@sha256:${'AB'.repeat(32)}`,
  'Myreg',
  'e.example:5000/',
  '',
];

/**
 * Tells whether `docker pull REF` looks the registry's name up in DNS: it
 * does for every registry but Docker Hub, IP addresses and `localhost`.
 */
export function needsLookup(reference: string): boolean {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  const isDomain =
    /[.:]/.test(first) ||
    first === 'localhost' ||
    first !== first.toLowerCase();
  if (!isDomain) return false;
  if (first === 'docker.io' || first === 'index.docker.io') return false;
  const host = first.startsWith('[') ? first : first.replace(/:\d+$/, '');
  return !(
    host === 'localhost' ||
    host.startsWith('[') ||
    IPV4_REGEXP.test(host)
  );
}

const IPV4_REGEXP = /^\d+\.\d+\.\d+\.\d+$/;

/** The reference to pull and the key Docker looks credentials up under. */
interface Target {
  reference: string;
  /** The lookup key, or undefined for a reference Docker rejects. */
  key: string | undefined;
  /** The host of a non-Hub key (the key itself). */
  host: Host | undefined;
}

function pickTarget(random: Random, noLookups: boolean): Target {
  if (random.chance(0.03)) {
    return {
      reference: random.pick(INVALID_REFERENCES),
      key: undefined,
      host: undefined,
    };
  }
  if (random.chance(0.3)) {
    return {
      reference: random.pick(HUB_REFERENCES),
      key: HUB_KEY,
      host: undefined,
    };
  }
  const hosts = HOSTS.filter((host) => !noLookups || !host.lookup);
  const host = random.pick(hosts);
  const path = random.pick([
    'x',
    'a/b',
    'a/b/c',
    'x:tag',
    `a/b@${DIGEST}`,
    `x:tag@${DIGEST}`,
  ]);
  return { reference: `${host.name}/${path}`, key: host.name, host };
}

/** A config key and the host Docker's ConvertToHostname makes of it. */
interface Key {
  key: string;
  hostname: string;
}

/**
 * Keys that stand for `host`: itself, and legacy URL and path forms. (For
 * a bracketed IPv6 host without a port the URL forms stand for the host
 * unbracketed, which Docker never looks up.)
 */
function keysFor(host: string): Key[] {
  const same = (key: string): Key => ({ key, hostname: host });
  const urlHost = /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
  const url = (key: string): Key => ({ key, hostname: urlHost });
  const keys = [
    same(host),
    same(`${host}/v2/`),
    same(`${host}/`),
    url(`https://${host}`),
    url(`https://${host}/`),
    url(`http://${host}`),
    url(`https://${host}/v1/`),
    url(`https://${host}/v2/`),
    url(`HTTPS://${host}/v2/`),
    url(`https://user:pw@${host}/x`),
    url(`https://user@${host}/`),
    url(`https://${host}?q=1`),
    url(`https://${host}/v2/#frag`),
    url(`ftp://${host}`),
    url(`https://${host}/a%20b`),
  ];
  // an empty port is dropped
  if (!/:\d+$/.test(host)) keys.push(url(`https://${host}:/`));
  // Go brackets an IPv6 host again when a port follows
  const ipv6 = /^\[([0-9a-fA-F:]+)\]:(\d+)$/.exec(host);
  if (ipv6) keys.push(same(`https://${ipv6[1]}:${ipv6[2]}/v2/`));
  return keys;
}

/** Keys that look close to `host` but stand for another host. */
function nearMisses(host: string): Key[] {
  const upper = host.toUpperCase();
  const lower = host.toLowerCase();
  const hasPort = /:\d+$/.test(host);
  const bare = host.replace(/:\d+$/, '');
  const keys: Key[] = [
    { key: upper, hostname: upper },
    { key: `https://${upper}/`, hostname: upper },
    { key: lower, hostname: lower },
    { key: `https://${lower}/v2/`, hostname: lower },
  ];
  if (hasPort) keys.push({ key: bare, hostname: bare });
  else keys.push({ key: `${host}:443`, hostname: `${host}:443` });
  keys.push({ key: `https://${bare}:5001/`, hostname: `${bare}:5001` });
  // forms Go's url.Parse rejects: everything before the first '/'
  keys.push({ key: `https://${host}/%zz`, hostname: 'https:' });
  keys.push({ key: `https://${host} /`, hostname: 'https:' });
  if (bare.startsWith('[')) {
    // without a port Go leaves the IPv6 host unbracketed
    keys.push({ key: `http://${bare}/`, hostname: bare.slice(1, -1) });
  }
  return keys.filter((k) => k.hostname !== host);
}

const HUB_KEYS: readonly Key[] = [
  { key: HUB_KEY, hostname: 'index.docker.io' },
  { key: 'https://index.docker.io/v1', hostname: 'index.docker.io' },
  { key: 'https://index.docker.io/v2/', hostname: 'index.docker.io' },
  { key: 'index.docker.io', hostname: 'index.docker.io' },
  { key: 'docker.io', hostname: 'docker.io' },
  { key: 'https://docker.io', hostname: 'docker.io' },
  { key: 'registry-1.docker.io', hostname: 'registry-1.docker.io' },
  { key: 'https://registry-1.docker.io/v2/', hostname: 'registry-1.docker.io' },
];

const OTHER_KEYS: readonly Key[] = [
  { key: 'other.example', hostname: 'other.example' },
  { key: 'https://other.example/', hostname: 'other.example' },
  { key: 'quay.test', hostname: 'quay.test' },
  { key: '', hostname: '' },
];

function pickKey(random: Random, target: Target): Key {
  const roll = random.next();
  const host = target.host?.name;
  if (roll < 0.25 && target.key !== undefined) {
    return { key: target.key, hostname: host ?? 'index.docker.io' };
  }
  if (host !== undefined && roll < 0.45) return random.pick(keysFor(host));
  if (host !== undefined && roll < 0.6) return random.pick(nearMisses(host));
  if (roll < 0.8) return random.pick(HUB_KEYS);
  if (roll < 0.9) {
    return random.pick(keysFor(random.pick(HOSTS).name));
  }
  return random.pick(OTHER_KEYS);
}

/**
 * Picks `auths` keys, keeping at most one legacy key for the target's key
 * when the exact key is not there: with two or more Docker answers at
 * random.
 */
function pickAuthKeys(random: Random, target: Target, count: number): string[] {
  const keys = new Map<string, Key>();
  for (let attempt = 0; keys.size < count && attempt < count * 4; attempt++) {
    const key = pickKey(random, target);
    keys.set(key.key, key);
  }
  const all = [...keys.values()];
  if (target.key === undefined || keys.has(target.key)) {
    return all.map((k) => k.key);
  }
  let legacyKept = false;
  return all
    .filter((k) => {
      if (k.hostname !== target.key) return true;
      if (legacyKept) return false;
      legacyKept = true;
      return true;
    })
    .map((k) => k.key);
}

const USERNAMES = [
  'u',
  'alice',
  'Bob',
  'user@example.test',
  'ünïcode',
  '<admin>&co',
  'with space',
  'nul\0in',
  'tab\tuser',
  '😀',
];

/** Passwords; for `auth` fields they become bytes as UTF-8. */
const PASSWORDS = [
  'pw-1',
  's3cr:et',
  'a:b:c',
  '',
  'p<a>&"ss',
  'back\\slash',
  'tab\tx',
  'nl\nx',
  'ctl\u0001\u001f',
  'bf\b\f',
  'del\u007f',
  'line\u2028sep\u2029',
  'üñí',
  '😀-emoji',
  '  spaced  ',
  'pw\0\0',
  '\0lead',
  'mid\0nul',
  ':lead-colon',
  '\0',
  'lone\ud800half',
];

/**
 * Text with bytes that are not UTF-8, for plain fields: lone surrogates
 * U+DC80 to U+DCFF stand for the raw bytes (see `encodeWithRawBytes`).
 */
const INVALID_UTF8_TEXTS = [
  'raw\udcff\udcfe',
  'a\udce2\udc82',
  '\udced\udca0\udc80z',
  '\udcc0\udc80',
  'cut\udcf0\udc9f\udc98',
];

/** A user name or password for a plain field. */
function plainText(random: Random, pool: readonly string[]): string {
  return random.chance(0.04)
    ? random.pick(INVALID_UTF8_TEXTS)
    : random.pick(pool);
}

/** Password bytes that are not valid UTF-8, for `auth` fields only. */
const INVALID_UTF8_PASSWORDS = [
  [0xff, 0xfe],
  [0x61, 0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xc0, 0x80, 0x62],
  [0xe2, 0x82, 0x61],
  [0xf0, 0x9f, 0x98],
];

const TOKENS = ['idt-1', 'idt<&>', 'eyJmYWtlIjoiaWR0In0.fake.sig', 'tok en'];

/**
 * A member name as written, sometimes in another case: Go matches names
 * case-insensitively, with Unicode folding (`ſ` is `s`, the Kelvin sign
 * `K` is `k`).
 */
function memberName(random: Random, name: string): string {
  if (!random.chance(0.08)) return name;
  return random.pick([
    name.toUpperCase(),
    name[0]?.toUpperCase() + name.slice(1),
    name.replace(
      /(token|address|store|helpers)$/i,
      (w) => w[0]?.toUpperCase() + w.slice(1),
    ),
    name.replace('s', '\u017f'),
    name.replace('k', '\u212a'),
  ]);
}

/** base64 of `user:password`, sometimes with line breaks inside. */
function authField(random: Random): string {
  const user = Buffer.from(random.pick(USERNAMES), 'utf8');
  const password = random.chance(0.1)
    ? Buffer.from(random.pick(INVALID_UTF8_PASSWORDS))
    : Buffer.from(random.pick(PASSWORDS), 'utf8');
  let encoded = Buffer.concat([user, Buffer.from(':'), password]).toString(
    'base64',
  );
  if (random.chance(0.1)) {
    const at = random.int(0, encoded.length);
    const brk = random.pick(['\n', '\r\n', '\r']);
    encoded = encoded.slice(0, at) + brk + encoded.slice(at);
  }
  return encoded;
}

/** Something Docker loads with its warning, made on purpose now and then. */
function badAuthField(random: Random): JsonNode {
  return random.pick<JsonNode>([
    'dTpwdw',
    'not base64!',
    Buffer.from('nocolon').toString('base64'),
    Buffer.from(':pw').toString('base64'),
    7,
    'dTpw-_',
  ]);
}

/** One `auths` entry in one of many shapes. */
function authEntry(random: Random): JsonObject | null {
  const members: [string, JsonNode][] = [];
  const add = (name: string, value: JsonNode): void => {
    members.push([memberName(random, name), value]);
  };
  const shape = random.int(0, 11);
  if (shape === 0) return new JsonObject([]);
  if (shape === 1) return null;
  if (shape <= 5) add('auth', authField(random));
  if (shape === 6 || (shape <= 5 && random.chance(0.2))) {
    add('username', plainText(random, USERNAMES));
    add('password', plainText(random, PASSWORDS));
  }
  if (shape === 7) add('username', plainText(random, USERNAMES));
  if (shape === 8) add('password', plainText(random, PASSWORDS));
  if (shape === 9) {
    add('auth', random.chance(0.5) ? '' : authField(random));
    add('identitytoken', random.pick(TOKENS));
  }
  if (shape === 10) add('registrytoken', random.pick(TOKENS));
  if (shape === 11) add('auth', random.chance(0.8) ? authField(random) : null);
  if (random.chance(0.2)) add('identitytoken', random.pick(TOKENS));
  if (random.chance(0.1)) add('registrytoken', random.pick(TOKENS));
  if (random.chance(0.2)) add('email', random.pick(['a@b.test', '', 'x<y>']));
  if (random.chance(0.15)) {
    add('serveraddress', random.pick(['ignored.example', HUB_KEY, '']));
  }
  if (random.chance(0.05)) add('x-unknown', random.pick(['v', 1, [true]]));
  if (random.chance(0.05)) add('email', null);
  if (random.chance(0.01)) add('auth', badAuthField(random));
  const shuffled = random.shuffle(members);
  const [first] = shuffled;
  if (first !== undefined && random.chance(0.05)) {
    // the same member twice: Go keeps the last
    const [name] = first;
    const value = name.toLowerCase() === 'auth' ? authField(random) : 'dup';
    shuffled.push([name, random.chance(0.3) ? '' : value]);
  }
  return new JsonObject(shuffled);
}

const HELPER_NAMES = [
  'fake-a',
  'fake-b',
  'fake-a',
  'fake-b',
  'desktop.exe',
  'Store_1',
  'sub/helper',
];

/** Keys for `credHelpers`: the target's key exactly, or close to it. */
function pickHelperKey(random: Random, target: Target): string {
  const host = target.host?.name;
  const candidates = [
    ...(target.key === undefined ? [] : [target.key, target.key]),
    ...(host === undefined ? [] : keysFor(host).map((k) => k.key)),
    ...(host === undefined ? [] : nearMisses(host).map((k) => k.key)),
    ...HUB_KEYS.map((k) => k.key),
    'other.example',
  ];
  return random.pick(candidates);
}

const BEHAVIOUR_NAMES = Object.keys(HELPER_BEHAVIOURS) as HelperBehaviourName[];

/** Helper behaviours, weighted towards the common ones. */
function pickBehaviour(random: Random): HelperBehaviourName {
  if (random.chance(0.5)) {
    return random.pick<HelperBehaviourName>([
      'found',
      'token',
      'not-found',
      'fails',
      'absent',
    ]);
  }
  return random.pick(BEHAVIOUR_NAMES);
}

const FILLER_MEMBERS: readonly [string, JsonNode][] = [
  ['psFormat', 'table {{.ID}}\t<&>'],
  ['HttpHeaders', JsonObject.from({ 'X-Meta': '1' })],
  ['detachKeys', 'ctrl-x'],
  ['experimental', 'enabled'],
  ['stackOrchestrator', 'swarm'],
  ['somethingUnknown', JsonObject.from({ nested: [1, 2.5, null, 'x'] })],
];

function generateCase(
  random: Random,
  name: string,
  noLookups: boolean,
): DifferentialCase {
  if (random.chance(0.08)) return defaultStoreCase(random, name, noLookups);
  const target = pickTarget(random, noLookups);
  const helpers: Record<string, HelperBehaviourName> = {};
  const useHelper = (): string => {
    const helper = random.pick(HELPER_NAMES);
    helpers[helper] ??= pickBehaviour(random);
    return helper;
  };

  // the top-level members, in a random order
  const top: [string, JsonNode][] = [];
  const entryCount = random.pick([0, 1, 1, 2, 2, 3, 4, 6]);
  const auths: [string, JsonNode][] = pickAuthKeys(
    random,
    target,
    entryCount,
  ).map((key) => [key, authEntry(random)]);
  const [duplicate] = auths;
  if (duplicate !== undefined && random.chance(0.03)) {
    // the same key twice: Go keeps the last entry whole
    auths.push([duplicate[0], authEntry(random)]);
  }
  if (auths.length > 0 || random.chance(0.3)) {
    top.push([memberName(random, 'auths'), new JsonObject(auths)]);
  }
  if (random.chance(0.3)) {
    const store = random.chance(0.05) ? random.pick(['', null]) : useHelper();
    top.push([memberName(random, 'credsStore'), store]);
  }
  if (random.chance(0.3)) {
    const helperMap: [string, JsonNode][] = [];
    for (let i = random.int(1, 3); i > 0; i--) {
      const value = random.chance(0.12) ? random.pick(['', null]) : useHelper();
      helperMap.push([pickHelperKey(random, target), value]);
    }
    const helpersNode = random.chance(0.03) ? null : new JsonObject(helperMap);
    top.push([memberName(random, 'credHelpers'), helpersNode]);
  }
  if (random.chance(0.3)) top.push(random.pick(FILLER_MEMBERS));
  if (random.chance(0.05) && auths.length > 0) {
    // a second `auths` object: Go merges the two
    const extra = pickAuthKeys(random, target, 1)
      .filter((key) => !auths.some(([k]) => k === key))
      .map((key): [string, JsonNode] => [key, authEntry(random)]);
    if (
      !wouldTie(
        target,
        [...auths, ...extra].map(([k]) => k),
      )
    ) {
      top.push(['auths', new JsonObject(extra)]);
    }
  }

  return {
    name,
    config: writeConfig(random, random.shuffle(top)),
    helpers,
    reference: target.reference,
    location: pickLocation(random),
    pathStyle: pickPathStyle(random),
    configFile: random.pick(['regular', 'regular', 'symlink']),
  };
}

/** True when several keys other than `target.key` stand for it. */
function wouldTie(target: Target, keys: readonly string[]): boolean {
  if (target.key === undefined || keys.includes(target.key)) return false;
  const host = target.key;
  const legacy = keys.filter((key) =>
    keysFor(host).some(
      (k) => k.key === key && k.key !== host && k.hostname === host,
    ),
  );
  return legacy.length > 1;
}

/** A config with no credentials at all, where Docker picks a default
 * store by what is on PATH. */
function defaultStoreCase(
  random: Random,
  name: string,
  noLookups: boolean,
): DifferentialCase {
  const target = pickTarget(random, noLookups);
  const config = random.pick([
    undefined,
    '',
    '  \n',
    'null',
    '{}',
    '{"auths":{}}',
    '{"auths":null}',
    '{"credsStore":""}',
    '{"credHelpers":{}}',
    '{"auths":{},"psFormat":"x"}',
  ]);
  const helpers: Record<string, HelperBehaviourName> = {};
  const executables: string[] = [];
  const setup = random.int(0, 3);
  if (setup === 0 || setup === 1) {
    executables.push('pass');
    if (setup === 0) helpers.pass = pickBehaviour(random);
    if (random.chance(0.5)) helpers.secretservice = pickBehaviour(random);
  } else if (setup === 2) {
    helpers.secretservice = pickBehaviour(random);
  }
  return {
    name,
    config,
    configFile: random.chance(0.1) ? 'dangling-symlink' : 'regular',
    helpers,
    executables,
    reference: target.reference,
    location: pickLocation(random),
    pathStyle: pickPathStyle(random),
  };
}

function pickLocation(random: Random): ConfigLocation {
  if (random.chance(0.75)) return 'flag';
  return random.pick<ConfigLocation>([
    'env',
    'env',
    'home',
    'home',
    'flag-relative',
    'env-relative',
  ]);
}

function pickPathStyle(random: Random): PathStyle {
  if (random.chance(0.94)) return 'absolute';
  return random.pick<PathStyle>(['relative', 'empty-entry']);
}

/** Writes config.json's text: compact or indented, sometimes with
 * escapes Go reads the same way, or data after the object. */
function writeConfig(random: Random, top: [string, JsonNode][]): string {
  const text = new JsonText({
    indent: random.pick(['', '', '\t', '  ']),
    escapeChance: random.chance(0.1) ? 0.1 : 0,
    random: () => random.next(),
  }).write(new JsonObject(top));
  if (random.chance(0.03)) {
    return text + random.pick(['\n{}', ' trailing', '\n\n', ' {', ']']);
  }
  if (random.chance(0.02)) return ` \n${text}`;
  return text;
}
