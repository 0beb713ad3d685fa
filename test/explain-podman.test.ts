/**
 * The podman, skopeo and buildah view of `explain`: containers/image's
 * files in order, the one that answers, and where podman and Docker
 * differ. Every file lives in a temp home; nothing real is read.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { explain } from '../src/explain/explain.js';
import { renderText } from '../src/explain/render-text.js';
import type { Check, ExplainReport } from '../src/explain/report.js';
import { runCli } from './support/cli.js';
import {
  makeContainersHome,
  type ContainersHome,
} from './support/containers-home.js';

// Obviously fake secrets; none may appear in a report.
const SECRET = 'not-a-real-secret-p1';
const OTHER_SECRET = 'not-a-real-secret-p2';
const HOST = '127.0.0.1:5000';
const ME = { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };

function auth(user: string, secret: string): string {
  return Buffer.from(`${user}:${secret}`).toString('base64');
}

type Home = ContainersHome;

let home: Home;
beforeEach(() => {
  home = makeHome();
});
afterEach(() => rmSync(home.dir, { recursive: true, force: true }));

function makeHome(): Home {
  return makeContainersHome('regcred-explain-podman-');
}

function run(reference?: string): Promise<ExplainReport> {
  return explain({
    system: {
      env: home.env,
      platform: 'linux',
      // the real ids: the temp files are ours, so the config checks pass
      uid: ME.uid,
      gid: ME.gid,
      containersDir: home.systemDir,
      users: () => [
        { name: 'alice', uid: ME.uid, gid: ME.gid, home: home.dir },
      ],
    },
    helperTimeoutMs: 5_000,
    ...(reference === undefined ? {} : { reference }),
  });
}

function find(report: ExplainReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check '${id}'`);
  return found;
}

function allText(item: Check): string {
  return [item.summary, ...item.details, item.next ?? ''].join('\n');
}

function assertNoSecret(report: ExplainReport): void {
  const json = JSON.stringify(report);
  for (const secret of [SECRET, OTHER_SECRET]) {
    assert.ok(!json.includes(secret), `the report leaks '${secret}'`);
    assert.ok(!json.includes(auth('alice', secret)), 'leaks an auth value');
    assert.ok(!json.includes(auth('bob', secret)), 'leaks an auth value');
  }
}

test('lists the four files in search order, without a reference', async () => {
  home.write(home.configFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
    credHelpers: { 'quay.example.test': 'vault' },
  });
  const report = await run();
  const { podman } = report;
  assert.equal(podman.authFile, null);
  assert.deepEqual(
    podman.files.map((f) => [f.path, f.format, f.exists]),
    [
      [home.runtimeFile, 'auths', false],
      [home.configFile, 'auths', true],
      [home.dockerFile, 'auths', false],
      [home.legacyFile, 'legacy', false],
    ],
  );
  assert.deepEqual(podman.files[1]?.keys, [HOST]);
  assert.deepEqual(podman.files[1]?.credHelpers, {
    'quay.example.test': 'vault',
  });
  assert.equal(podman.lookup, null);
  const files = find(report, 'podman.files');
  assert.equal(files.section, 'podman');
  assert.equal(files.status, 'info');
  assert.match(files.summary, /1 of 4 files exist/);
  assert.match(files.details[1] ?? '', /credentials for 127\.0\.0\.1:5000/);
  assert.ok(!report.checks.some((c) => c.id === 'podman.lookup'));
  assertNoSecret(report);
});

test('a namespaced key in auth.json answers podman; Docker has none', async () => {
  home.write(home.runtimeFile, {
    auths: {
      [HOST]: { auth: auth('alice', SECRET) },
      [`${HOST}/team`]: { auth: auth('bob', OTHER_SECRET) },
    },
  });
  const report = await run(`${HOST}/team/app:1`);
  const lookup = report.podman.lookup;
  assert.equal(lookup?.file, home.runtimeFile);
  assert.equal(lookup?.key, `${HOST}/team`);
  assert.equal(lookup?.username, 'bob');
  assert.equal(lookup?.passwordSet, true);
  assert.equal(lookup?.steps[0]?.outcome, 'found');
  assert.deepEqual(
    lookup?.steps.slice(1).map((s) => s.outcome),
    ['not-read', 'not-read', 'not-read'],
  );
  assert.equal(report.lookup?.username, null);
  const compared = find(report, 'podman.vs-docker');
  assert.equal(compared.status, 'warning');
  assert.match(compared.summary, /answer differently/);
  const words = allText(compared);
  assert.match(words, /podman sends username bob.*Docker has none/);
  assert.match(words, /Docker reads only .*config\.json/);
  assert.match(words, /Docker ignores namespaced keys such as '127\S*\/team'/);
  // exit status stays Docker's: podman differences are not failures
  assert.equal(report.exitStatus, 0);
  assertNoSecret(report);
});

test('a different user in auth.json than in config.json is called out', async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  home.write(home.configFile, {
    auths: { [HOST]: { auth: auth('bob', OTHER_SECRET) } },
  });
  const report = await run(`${HOST}/app`);
  assert.equal(report.lookup?.username, 'alice');
  assert.equal(report.podman.lookup?.username, 'bob');
  assert.equal(report.podman.lookup?.file, home.configFile);
  assert.equal(report.podman.lookup?.sameCredentials, false);
  const compared = find(report, 'podman.vs-docker');
  assert.equal(compared.status, 'warning');
  assert.match(
    allText(compared),
    /different user: Docker sends alice, podman sends bob/,
  );
  assert.match(
    allText(compared),
    /different place: Docker reads .*config\.json/,
  );
  assertNoSecret(report);
});

test('the same user with another password is a difference too', async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  home.write(home.runtimeFile, {
    auths: { [HOST]: { auth: auth('alice', OTHER_SECRET) } },
  });
  const report = await run(`${HOST}/app`);
  const compared = find(report, 'podman.vs-docker');
  assert.equal(compared.status, 'warning');
  assert.match(allText(compared), /same user alice, different password/);
  assertNoSecret(report);
});

test("Docker's config.json alone: both send the same, from the same file", async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  const report = await run(`${HOST}/app`);
  const lookup = report.podman.lookup;
  assert.deepEqual(
    lookup?.steps.map((s) => s.outcome),
    ['missing', 'missing', 'found', 'not-read'],
  );
  assert.equal(lookup?.sameCredentials, true);
  assert.deepEqual(lookup?.differences, []);
  const compared = find(report, 'podman.vs-docker');
  assert.equal(compared.status, 'ok');
  assert.match(compared.summary, /same credentials, from the same file/);
});

test('nobody has credentials: both pull anonymously', async () => {
  const report = await run('alpine');
  assert.equal(find(report, 'podman.vs-docker').status, 'ok');
  assert.match(
    find(report, 'podman.lookup').summary,
    /no credentials in any file/,
  );
  assert.match(find(report, 'podman.vs-docker').summary, /both pull anonym/);
});

test('an empty {} entry sends podman on to the next file', async () => {
  home.write(home.runtimeFile, { auths: { [HOST]: {} } });
  home.write(home.configFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  const report = await run(`${HOST}/app`);
  const steps = report.podman.lookup?.steps ?? [];
  assert.equal(steps[0]?.outcome, 'empty-entry');
  assert.equal(steps[0]?.key, HOST);
  assert.equal(steps[1]?.outcome, 'found');
  const lines = find(report, 'podman.lookup').details;
  assert.match(lines[0] ?? '', /holds no credentials \(\{\}\): try the next/);
  assert.match(lines[1] ?? '', /<- used$/);
});

test('podman ignores the credsStore Docker uses', async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: {} },
    credsStore: 'vault',
  });
  const answer = JSON.stringify({ Username: 'carol', Secret: SECRET });
  home.writeHelper('vault', `cat >/dev/null; printf '%s' '${answer}'`);
  const report = await run(`${HOST}/app`);
  assert.equal(report.lookup?.username, 'carol');
  assert.equal(report.podman.lookup?.username, null);
  assert.equal(report.podman.lookup?.steps[2]?.outcome, 'empty-entry');
  const compared = allText(find(report, 'podman.vs-docker'));
  assert.match(compared, /Docker sends username carol.*from the helper/);
  assert.match(compared, /podman has none and pulls anonymously/);
  assert.match(compared, /podman ignores credsStore \('vault'/);
  assertNoSecret(report);
});

test('a username/password entry counts for Docker, not for podman', async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: { username: 'alice', password: SECRET } },
  });
  const report = await run(`${HOST}/app`);
  assert.equal(report.lookup?.username, 'alice');
  assert.equal(report.podman.lookup?.username, null);
  assert.match(
    allText(find(report, 'podman.vs-docker')),
    /only an entry's 'auth' or\s+'identitytoken'/,
  );
  assertNoSecret(report);
});

test('an unparsable auth.json is a finding, never a crash', async () => {
  home.write(home.runtimeFile, '{"auths": {');
  home.write(home.dockerFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  const report = await run(`${HOST}/app`);
  const files = find(report, 'podman.files');
  assert.equal(files.status, 'warning');
  assert.match(files.details[0] ?? '', /cannot be used: /);
  assert.match(files.next ?? '', /fix or remove .*auth\.json/);
  assert.notEqual(report.podman.files[0]?.error, null);
  const lookup = find(report, 'podman.lookup');
  assert.equal(lookup.status, 'warning');
  assert.match(lookup.summary, /stop with an error/);
  assert.deepEqual(
    report.podman.lookup?.steps.map((s) => s.outcome),
    ['failed', 'not-read', 'not-read', 'not-read'],
  );
  assert.match(
    allText(find(report, 'podman.vs-docker')),
    /podman stops with an error; Docker sends username alice/,
  );
  // Docker's own lookup is untouched, and so is the exit status
  assert.equal(report.lookup?.username, 'alice');
  assert.equal(report.exitStatus, 0);
  assertNoSecret(report);
});

test('an unreadable file (a directory in its place) is a finding', async () => {
  mkdirSync(home.configFile, { recursive: true });
  writeFileSync(home.legacyFile, 'not json');
  const report = await run('alpine');
  assert.match(report.podman.files[1]?.error ?? '', /Cannot read/);
  assert.match(report.podman.files[3]?.error ?? '', /Cannot parse|JSON/);
  assert.equal(report.podman.lookup?.steps[1]?.outcome, 'failed');
  assert.equal(find(report, 'podman.files').status, 'warning');
});

test('REGISTRY_AUTH_FILE replaces the whole search', async () => {
  const authFile = join(home.dir, 'only.json');
  home.write(authFile, { auths: { [HOST]: { auth: auth('dave', SECRET) } } });
  home.write(home.runtimeFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  home.env.REGISTRY_AUTH_FILE = authFile;
  const report = await run(`${HOST}/app`);
  assert.equal(report.podman.authFile, authFile);
  assert.deepEqual(
    report.podman.files.map((f) => f.path),
    [authFile],
  );
  assert.equal(report.podman.lookup?.username, 'dave');
  assert.match(find(report, 'podman.files').summary, /replaces the search/);
});

test('REGISTRY_AUTH_FILE hiding Docker config.json is named as the cause', async () => {
  home.write(home.dockerFile, {
    auths: { [HOST]: { auth: auth('alice', SECRET) } },
  });
  home.env.REGISTRY_AUTH_FILE = join(home.dir, 'absent.json');
  const report = await run(`${HOST}/app`);
  assert.match(
    allText(find(report, 'podman.vs-docker')),
    /REGISTRY_AUTH_FILE limits podman to .*absent\.json/,
  );
});

test('the legacy ~/.dockercfg answers podman; Docker ignores it', async () => {
  home.write(home.legacyFile, {
    [`https://${HOST}/v1/`]: { auth: auth('erin', SECRET), email: 'e@x' },
  });
  const report = await run(`${HOST}/app`);
  assert.equal(report.podman.lookup?.username, 'erin');
  assert.equal(report.podman.lookup?.file, home.legacyFile);
  assert.match(
    allText(find(report, 'podman.vs-docker')),
    /Docker 28 does not read the legacy .*\.dockercfg/,
  );
  assert.match(
    find(report, 'podman.files').details[3] ?? '',
    /exists \(legacy format\)/,
  );
});

test('a credHelpers helper in auth.json is asked with the host', async () => {
  home.write(home.runtimeFile, { credHelpers: { [HOST]: 'vault' } });
  home.writeHelper(
    'vault',
    `read -r host; [ "$host" = "${HOST}" ] || exit 9; ` +
      `printf '{"Username":"frank","Secret":"${SECRET}"}'`,
  );
  const report = await run(`${HOST}/team/app`);
  assert.equal(report.podman.lookup?.helper, 'vault');
  assert.equal(report.podman.lookup?.username, 'frank');
  assert.match(find(report, 'podman.lookup').summary, /the helper 'vault'/);
  assertNoSecret(report);
});

test('a failing credHelpers helper stops podman, reported not thrown', async () => {
  home.write(home.runtimeFile, { credHelpers: { [HOST]: 'broken' } });
  home.writeHelper('broken', 'cat >/dev/null; echo boom >&2; exit 3');
  const report = await run(`${HOST}/app`);
  assert.equal(report.podman.lookup?.steps[0]?.outcome, 'failed');
  assert.notEqual(report.podman.lookup?.error, null);
  assert.equal(find(report, 'podman.lookup').status, 'warning');
});

test('an invalid reference gives a podman lookup with an error', async () => {
  const report = await run('Alpine:Latest');
  assert.match(report.podman.lookup?.error ?? '', /lowercase/);
  assert.equal(report.podman.lookup?.file, null);
});

test('the text report has a podman section before Elsewhere', async () => {
  home.write(home.runtimeFile, {
    auths: { [`${HOST}/team`]: { auth: auth('bob', SECRET) } },
  });
  const report = await run(`${HOST}/team/app`);
  const out = renderText(report);
  assert.match(out, /\nPodman, skopeo, buildah \(containers\/image\)\n/);
  assert.match(out, /warn +Podman vs Docker: podman and Docker answer/);
  const section = out.slice(out.indexOf('\nPodman, skopeo'));
  assert.ok(section.indexOf('Files:') < section.indexOf('Lookup:'));
  assert.ok(out.indexOf('\nPodman') < out.indexOf('\nElsewhere'));
  assert.ok(!out.includes(SECRET));
});

test('regcred explain --json carries the podman view', async () => {
  home.write(home.runtimeFile, {
    auths: { [`${HOST}/team`]: { auth: auth('bob', SECRET) } },
  });
  const env = home.env;
  const run = await runCli(['explain', '--json', `${HOST}/team/app`], env);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as ExplainReport;
  assert.deepEqual(Object.keys(report.podman), [
    'authFile',
    'files',
    'credentialHelpers',
    'registriesConf',
    'registriesConfError',
    'lookup',
  ]);
  assert.equal(report.podman.lookup?.username, 'bob');
  assert.equal(report.podman.lookup?.key, `${HOST}/team`);
  assert.ok(report.podman.lookup?.differences.length);
  assert.ok(!run.stdout.includes(SECRET));
  const text = await runCli(['explain', `${HOST}/team/app`], env);
  assert.match(text.stdout, /Podman vs Docker: podman and Docker answer/);
});

const LISTED_HELPER =
  `read -r host; [ "$host" = "${HOST}" ] || exit 7; ` +
  `printf '{"Username":"listed","Secret":"${SECRET}"}'`;

test('a registries.conf helper listed first answers for podman', async () => {
  home.write(
    home.registriesConf,
    'credential-helpers = ["listed", "containers-auth.json"]\n',
  );
  home.writeHelper('listed', LISTED_HELPER);
  home.write(home.runtimeFile, {
    auths: { [HOST]: { auth: auth('alice', OTHER_SECRET) } },
  });
  const report = await run(`${HOST}/team/app`);
  const { podman } = report;
  assert.deepEqual(podman.credentialHelpers, [
    'listed',
    'containers-auth.json',
  ]);
  assert.equal(podman.registriesConf, home.registriesConf);
  const lookup = podman.lookup;
  assert.equal(lookup?.helper, 'listed');
  assert.equal(lookup?.file, null);
  assert.equal(lookup?.username, 'listed');
  assert.deepEqual(
    lookup?.steps.map((s) => [s.kind, s.outcome]),
    [
      ['helper', 'found'],
      ['file', 'not-read'],
      ['file', 'not-read'],
      ['file', 'not-read'],
      ['file', 'not-read'],
    ],
  );
  assert.equal(lookup?.steps[0]?.path, 'docker-credential-listed');
  assert.match(
    find(report, 'podman.files').details.join('\n'),
    /registries\.conf sets credential-helpers: listed, containers-auth\.json/,
  );
  assert.match(
    find(report, 'podman.lookup').summary,
    /the helper 'listed' \(registries\.conf credential-helpers\)/,
  );
  assertNoSecret(report);
});

test('a list without containers-auth.json reads no file', async () => {
  home.write(home.registriesConf, "credential-helpers = ['listed']\n");
  const report = await run();
  assert.match(
    find(report, 'podman.files').details.join('\n'),
    /none of these files is read/,
  );
});

test('a broken registries.conf is a finding, never a crash', async () => {
  home.write(home.registriesConf, 'credential-helpers = ["a",\n');
  const report = await run(`${HOST}/app`);
  assert.notEqual(report.podman.registriesConfError, null);
  const files = find(report, 'podman.files');
  assert.equal(files.status, 'warning');
  assert.match(files.next ?? '', /registries\.conf/);
  assert.equal(find(report, 'podman.lookup').status, 'warning');
  assert.match(report.podman.lookup?.error ?? '', /registries\.conf/);
  assert.equal(report.exitStatus, 0);
});

test('a TOML escape past U+10FFFF in registries.conf is a finding', async () => {
  home.write(home.registriesConf, 'credential-helpers = ["\\UFFFFFFFF"]');
  for (const reference of [undefined, `${HOST}/app`]) {
    const report = await run(reference);
    const error = report.podman.registriesConfError ?? '';
    assert.ok(error.includes(home.registriesConf), error);
    assert.match(error, /line 1.*not a Unicode scalar value/);
    assert.equal(find(report, 'podman.files').status, 'warning');
    assert.equal(report.exitStatus, 0);
  }
});

test('an unreadable REGISTRY_AUTH_FILE gets advice that applies to it', async () => {
  const authFile = join(home.dir, 'auth-dir.json');
  mkdirSync(authFile);
  home.env.REGISTRY_AUTH_FILE = authFile;
  const report = await run(`${HOST}/app`);
  const error = report.podman.files[0]?.error ?? '';
  assert.match(error, /is a directory.*REGISTRY_AUTH_FILE/);
  assert.doesNotMatch(error, /DOCKER_CONFIG|--config/);
  assert.match(report.podman.lookup?.error ?? '', /REGISTRY_AUTH_FILE/);
});

test('a missing registries.conf helper is reported with that file', async () => {
  home.write(home.registriesConf, "credential-helpers = ['gone']\n");
  const report = await run(`${HOST}/app`);
  const error = report.podman.lookup?.error ?? '';
  assert.match(error, /name another one in registries\.conf/);
  assert.ok(error.includes(home.registriesConf), error);
});
