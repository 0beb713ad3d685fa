/**
 * Hand-picked differential cases: the resolution vectors of
 * docker-cli-auth.md §10.4, §10.5 and §10.7, and a few more seen while
 * building the test, each with the JSON Docker 28.2.2 sends. Cases whose
 * config Docker loads with its warning are kept, to show they are
 * recognised and left out.
 *
 * @module
 */
import type { DifferentialCase } from './differential-case.js';

const HUB_KEY = 'https://index.docker.io/v1/';

/** Docker's answer when config.json did not load cleanly. */
export const DOCKER_WARNED = 'WARNING';

/** A case on `e.example/x` with no helpers. */
function fileCase(
  name: string,
  auths: string,
  expected: string,
  reference = 'e.example/x',
): DifferentialCase {
  return {
    name,
    config: `{"auths":${auths}}`,
    helpers: {},
    reference,
    expected,
  };
}

/** The hand-picked cases, in the order of the reference's tables. */
export const HAND_PICKED_CASES: readonly DifferentialCase[] = [
  fileCase(
    '§10.4 colon in the password',
    '{"e.example":{"auth":"YTpiOmM="}}',
    '{"username":"a","password":"b:c","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 NUL padding after the password',
    '{"e.example":{"auth":"dTpwAAA="}}',
    '{"username":"u","password":"p","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 newline inside auth',
    '{"e.example":{"auth":"dTpw\\n"}}',
    '{"username":"u","password":"p","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 auth wins over username and password',
    '{"e.example":{"auth":"dTpw","username":"other","password":"x"}}',
    '{"username":"u","password":"p","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 user with an empty password',
    '{"e.example":{"auth":"dXNlcjo="}}',
    '{"username":"user","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 username field alone',
    '{"e.example":{"username":"solo"}}',
    '{"username":"solo","serveraddress":"e.example"}',
  ),
  fileCase(
    '§10.4 empty user name (warning)',
    '{"e.example":{"auth":"OnB3"}}',
    DOCKER_WARNED,
  ),
  fileCase(
    '§10.4 no colon (warning)',
    '{"e.example":{"auth":"dXNlcg=="}}',
    DOCKER_WARNED,
  ),
  fileCase(
    '§10.4 unpadded base64 (warning)',
    '{"e.example":{"auth":"dTpwdw"}}',
    DOCKER_WARNED,
  ),
  fileCase('§10.4 key case matters', '{"E.EXAMPLE":{"auth":"dTpw"}}', '{}'),
  fileCase(
    '§10.4 port matters',
    '{"https://e.example:443":{"auth":"dTpw"}}',
    '{}',
  ),
  fileCase(
    '§10.4 legacy key with a path',
    '{"e.example/v2/":{"auth":"dTpw"}}',
    '{"username":"u","password":"p","serveraddress":"e.example/v2/"}',
  ),
  fileCase(
    '§10.4 legacy http key with email',
    '{"http://legacy.example:5000":{"auth":"bGVnOnB3","email":"a@b"}}',
    '{"username":"leg","password":"pw","email":"a@b",' +
      '"serveraddress":"http://legacy.example:5000"}',
    'legacy.example:5000/y',
  ),
  fileCase(
    '§10.4 identity and registry tokens',
    '{"tok.example":{"identitytoken":"IDT","registrytoken":"RT"}}',
    '{"serveraddress":"tok.example","identitytoken":"IDT",' +
      '"registrytoken":"RT"}',
    'tok.example/z',
  ),
  fileCase(
    '§10.4 index.docker.io is not the Hub key',
    '{"index.docker.io":{"auth":"aWR4OnB3"}}',
    '{}',
    'alpine',
  ),
  {
    name: '§10.4 type error (warning)',
    config: '{"psFormat":1,"auths":{"e.example":{"auth":"dTpw"}}}',
    helpers: {},
    reference: 'e.example/x',
    expected: DOCKER_WARNED,
  },
  {
    name: '§10.4 credsStore says not found: the file entry is ignored',
    config: '{"credsStore":"h","auths":{"e.example":{"auth":"dTpw"}}}',
    helpers: { h: 'not-found' },
    reference: 'e.example/x',
    expected: '{}',
  },
  {
    name: '§10.4 credsStore missing from PATH: the file entry is sent',
    config: '{"credsStore":"h","auths":{"e.example":{"auth":"dTpw"}}}',
    helpers: { h: 'absent' },
    reference: 'e.example/x',
    expected: '{"username":"u","password":"p","serveraddress":"e.example"}',
  },
  {
    name: '§10.4 credsStore fails: the file entry is sent',
    config: '{"credsStore":"h","auths":{"e.example":{"auth":"dTpw"}}}',
    helpers: { h: 'fails' },
    reference: 'e.example/x',
    expected: '{"username":"u","password":"p","serveraddress":"e.example"}',
  },
  {
    name: '§10.4 default store: pass on PATH, no auths entries',
    config: '{"auths":{}}',
    helpers: { pass: 'empty-fields' },
    executables: ['pass'],
    reference: 'e.example/x',
    expected: '{"serveraddress":"e.example"}',
  },
  {
    name: '§10.4 credHelpers docker.io is not used for Hub',
    config: '{"credHelpers":{"docker.io":"h"}}',
    helpers: { h: 'found' },
    reference: 'alpine',
    expected: '{}',
  },
  {
    name: '§10.4 credHelpers with the Hub key',
    config: `{"credHelpers":{"${HUB_KEY}":"h"}}`,
    helpers: { h: 'found' },
    reference: 'alpine',
    expected:
      `{"username":"u-${HUB_KEY}","password":"pw-1",` +
      `"serveraddress":"${HUB_KEY}"}`,
  },
  fileCase(
    '§10.5 Go escaping on the Hub key',
    `{"${HUB_KEY}":{"auth":"Ym9iOnA8YT4mInNz"}}`,
    '{"username":"bob","password":"p\\u003ca\\u003e\\u0026\\"ss",' +
      `"serveraddress":"${HUB_KEY}"}`,
    'docker.io/library/alpine',
  ),
  {
    name: '§10.7 get answers an identity token',
    config: '{"credsStore":"h"}',
    helpers: { h: 'token' },
    reference: 'raw.example/x',
    expected:
      '{"serveraddress":"raw.example","identitytoken":"idt-raw.example"}',
  },
  {
    name: '§10.7 get answers not found',
    config: '{"credsStore":"h"}',
    helpers: { h: 'not-found' },
    reference: 'raw.example/x',
    expected: '{}',
  },
  {
    name: '§2.4 registry-1.docker.io is its own key',
    config:
      `{"auths":{"${HUB_KEY}":{"auth":"aHViOnB3"},` +
      '"registry-1.docker.io":{"auth":"cjE6cHc="}}}',
    helpers: {},
    reference: 'registry-1.docker.io/library/alpine',
    expected:
      '{"username":"r1","password":"pw","serveraddress":"registry-1.docker.io"}',
  },
  {
    name: '§3.1 an empty credHelpers value means the file store',
    config:
      '{"credsStore":"h","credHelpers":{"e.example":""},' +
      '"auths":{"e.example":{"auth":"dTpw"}}}',
    helpers: { h: 'found' },
    reference: 'e.example/x',
    expected: '{"username":"u","password":"p","serveraddress":"e.example"}',
  },
  {
    name: '§1.2 no config.json at all',
    config: undefined,
    helpers: {},
    reference: 'alpine',
    expected: '{}',
  },
  // Seen with Docker 28.2.2 while building this test (not in §10)
  fileCase(
    'Go escapes each byte of a decoded password that is not UTF-8',
    '{"e.example":{"auth":"dTrigmE="}}',
    '{"username":"u","password":"\\ufffd\\ufffda","serveraddress":"e.example"}',
  ),
  fileCase(
    'a lone surrogate escape in config.json reads as U+FFFD',
    '{"e.example":{"username":"a\\ud800"}}',
    '{"username":"a\ufffd","serveraddress":"e.example"}',
  ),
  {
    name: 'a helper answer with a field three times: the last wins',
    config: '{"credsStore":"h"}',
    helpers: { h: 'duplicate-fields' },
    reference: 'e.example/x',
    expected:
      '{"username":"u-third","password":"s","serveraddress":"e.example"}',
  },
  {
    name: 'a helper answer with lone surrogate escapes',
    config: '{"credsStore":"h"}',
    helpers: { h: 'lone-surrogate' },
    reference: 'e.example/x',
    expected:
      '{"username":"u\ufffdx","password":"s\ufffd","serveraddress":"e.example"}',
  },
  {
    name: 'a helper answer with bytes that are not UTF-8',
    config: '{"credsStore":"h"}',
    helpers: { h: 'invalid-utf8' },
    reference: 'e.example/x',
    expected:
      '{"username":"u-\ufffd\ufffd","password":"pw\ufffd\ufffd\ufffd",' +
      '"serveraddress":"e.example"}',
  },
  {
    name: 'registrytoken and email stay from the file when a helper answers',
    config:
      '{"credsStore":"h","auths":{"e.example":' +
      '{"auth":"dTpw","email":"e@x.test","registrytoken":"rt-1"}}}',
    helpers: { h: 'not-found' },
    reference: 'e.example/x',
    expected: '{"email":"e@x.test","registrytoken":"rt-1"}',
  },
];

/** A credential to put in the real pass store before its cases run. */
export interface StoredCredential {
  serverURL: string;
  username: string;
  secret: string;
}

/** What {@link realPassCases} expect to find in the store. */
export const PASS_STORE_CONTENT: readonly StoredCredential[] = [
  { serverURL: 'e.example', username: 'alice', secret: 's3cr:et' },
  { serverURL: HUB_KEY, username: '<token>', secret: 'idt-hub-1' },
];

/**
 * Cases for Debian's real `docker-credential-pass`, which Docker picks by
 * itself when config.json names no store and has no `auths` entry, and
 * `pass` is on PATH. Its 0.6.4 `get` answers an unknown key with empty
 * fields and exit 0, not with "not found".
 *
 * @param env GNUPGHOME and PASSWORD_STORE_DIR of a throwaway store holding
 *   {@link PASS_STORE_CONTENT}.
 * @param systemPath Where `pass`, `gpg` and the helper are.
 */
export function realPassCases(
  env: Readonly<Record<string, string>>,
  systemPath: string,
): DifferentialCase[] {
  const passCase = (
    name: string,
    config: string | undefined,
    reference: string,
  ): DifferentialCase => ({
    name: `real pass: ${name}`,
    config,
    helpers: {},
    reference,
    env,
    systemPath,
  });
  return [
    passCase('no config, a stored password', undefined, 'e.example/x'),
    passCase('no config, a stored identity token', undefined, 'alpine'),
    passCase('empty auths, an unknown registry', '{"auths":{}}', 'o.example/x'),
    passCase(
      'one auths entry turns detection off',
      '{"auths":{"e.example":{"auth":"dTpw"}}}',
      'e.example/x',
    ),
    passCase(
      'credsStore pass keeps the email of the file entry',
      '{"credsStore":"pass","auths":{"e.example":{"email":"e@x.test"}}}',
      'e.example/x',
    ),
    passCase(
      'credHelpers names pass for one registry',
      '{"credHelpers":{"e.example":"pass"}}',
      'e.example/x',
    ),
  ];
}
