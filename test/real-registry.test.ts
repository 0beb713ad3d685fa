import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeTestCerts, type TestCerts } from './support/certs.js';
import {
  makeTestUser,
  REGISTRY_UNAVAILABLE,
  startRegistry,
  type RegistryUser,
} from './support/registry.js';
import { startTokenIssuer } from './support/token-issuer.js';

const SKIP = REGISTRY_UNAVAILABLE;

function basic(user: RegistryUser): string {
  const pair = `${user.name}:${user.password}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

function claimsOf(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

function headerOf(jwt: string): Record<string, unknown> {
  const [header = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
}

interface TokenReply {
  token?: string;
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  issued_at?: string;
}

describe('the real docker-registry', { skip: SKIP }, () => {
  let certs: TestCerts;

  before(async () => {
    certs = await makeTestCerts();
  });

  after(async () => {
    await certs?.cleanup();
  });

  it('htpasswd: /v2/ asks for Basic, opens to the password', async (t) => {
    const registry = await startRegistry({ auth: 'htpasswd' });
    t.after(() => registry.stop());
    const [alice] = registry.users;
    assert.ok(alice);
    assert.match(registry.host, /^127\.0\.0\.1:\d+$/);

    const anonymous = await fetch(`${registry.url}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.equal(
      anonymous.headers.get('www-authenticate'),
      'Basic realm="regcred-test"',
    );
    const wrong = { name: alice.name, password: 'wrong' };
    const refused = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: basic(wrong) },
    });
    assert.equal(refused.status, 401);
    const accepted = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: basic(alice), 'User-Agent': 'smoke/1' },
    });
    assert.equal(accepted.status, 200);

    const seen = await registry.requests();
    assert.deepEqual(
      seen.map(({ method, path, status }) => ({ method, path, status })),
      [
        { method: 'GET', path: '/v2/', status: 401 },
        { method: 'GET', path: '/v2/', status: 401 },
        { method: 'GET', path: '/v2/', status: 200 },
      ],
    );
    assert.equal(seen[2]?.userAgent, 'smoke/1');
    assert.doesNotMatch(registry.log(), new RegExp(alice.password));
    await registry.clearRequests();
    assert.deepEqual(await registry.requests(), []);
  });

  it('htpasswd over TLS: 200 for a client trusting the CA', async (t) => {
    const users = [makeTestUser('bob')];
    const registry = await startRegistry({
      auth: 'htpasswd',
      tls: true,
      users,
      certs,
    });
    t.after(() => registry.stop());
    assert.equal(registry.caFile, certs.caFile);
    const agent = new Agent({ connect: { ca: registry.caPem } });
    t.after(() => agent.close());

    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await undiciFetch(`${registry.url}/v2/`, {
      dispatcher: agent,
      headers: { Authorization: basic(users[0] as RegistryUser) },
    });
    assert.equal(response.status, 200);
    await assert.rejects(fetch(`${registry.url}/v2/`), /fetch failed/);
  });

  it('none: /v2/ answers 200 without credentials', async (t) => {
    const registry = await startRegistry({ auth: 'none' });
    t.after(() => registry.stop());

    const response = await fetch(`${registry.url}/v2/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('www-authenticate'), null);
  });

  it('token: the issuer JWT (aud string, iss, x5c) opens /v2/', async (t) => {
    const registry = await startRegistry({ auth: 'token', certs });
    t.after(() => registry.stop());
    const issuer = registry.tokenIssuer;
    const [alice] = registry.users;
    assert.ok(issuer && alice);

    // the challenge points at the issuer
    const anonymous = await fetch(`${registry.url}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.equal(
      anonymous.headers.get('www-authenticate'),
      `Bearer realm="${issuer.realm}",service="regcred-test-registry"`,
    );

    // the request docker login makes
    const query =
      `account=${alice.name}&client_id=docker&offline_token=true` +
      '&service=regcred-test-registry';
    const tokenResponse = await fetch(`${issuer.realm}?${query}`, {
      headers: { Authorization: basic(alice) },
    });
    assert.equal(tokenResponse.status, 200);
    const reply = (await tokenResponse.json()) as TokenReply;
    assert.ok(reply.token && reply.refresh_token);
    assert.equal(reply.access_token, reply.token);
    assert.equal(reply.expires_in, 300);
    assert.equal(issuer.refreshTokenOwner(reply.refresh_token), alice.name);
    const claims = claimsOf(reply.token);
    assert.equal(claims.aud, 'regcred-test-registry');
    assert.equal(claims.sub, alice.name);
    assert.deepEqual(claims.access, []);
    assert.ok(Array.isArray(headerOf(reply.token).x5c));

    const opened = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: `Bearer ${reply.token}` },
    });
    assert.equal(opened.status, 200);

    // control: the registry does check aud and iss
    for (const other of [{ service: 'other' }, { issuer: 'other' }]) {
      const stranger = await startTokenIssuer({ certs, users: [], ...other });
      t.after(() => stranger.stop());
      const foreign = await fetch(`${registry.url}/v2/`, {
        headers: { Authorization: `Bearer ${stranger.signToken(alice.name)}` },
      });
      assert.equal(foreign.status, 401, JSON.stringify(other));
    }

    const [recorded, ...others] = issuer.requests();
    assert.deepEqual(others, []);
    assert.equal(recorded?.method, 'GET');
    assert.equal(recorded?.basicAuth, true);
    assert.equal(recorded?.basicUser, alice.name);
    assert.equal(new URLSearchParams(recorded?.query).toString(), query);
    assert.doesNotMatch(JSON.stringify(recorded), new RegExp(alice.password));
  });

  it('token: scoped token gets 404 for a missing repo', async (t) => {
    const registry = await startRegistry({ auth: 'token', certs });
    t.after(() => registry.stop());
    const issuer = registry.tokenIssuer;
    const [alice] = registry.users;
    assert.ok(issuer && alice);
    const manifest = `${registry.url}/v2/team/missing/manifests/latest`;

    const scope = 'repository:team/missing:pull';
    const scoped = await fetch(`${issuer.realm}?scope=${scope}`, {
      headers: { Authorization: basic(alice) },
    });
    const { token = '' } = (await scoped.json()) as TokenReply;
    assert.deepEqual(claimsOf(token).access, [
      { type: 'repository', name: 'team/missing', actions: ['pull'] },
    ]);
    const found = await fetch(manifest, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(found.status, 404);

    const bare = issuer.signToken(alice.name);
    const refused = await fetch(manifest, {
      headers: { Authorization: `Bearer ${bare}` },
    });
    assert.equal(refused.status, 401);
    assert.match(
      refused.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope"/,
    );
  });

  it('token: refused passwords get the registry-style 401 JSON', async (t) => {
    const registry = await startRegistry({ auth: 'token', certs });
    t.after(() => registry.stop());
    const issuer = registry.tokenIssuer;
    assert.ok(issuer);

    const response = await fetch(`${issuer.realm}?service=${issuer.service}`, {
      headers: { Authorization: basic({ name: 'alice', password: 'no' }) },
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      errors: [
        { code: 'UNAUTHORIZED', message: 'invalid username or password' },
      ],
    });
  });

  it('token issuer: POST grants, refusals, broken replies', async (t) => {
    const registry = await startRegistry({ auth: 'token', certs });
    t.after(() => registry.stop());
    const issuer = registry.tokenIssuer;
    const [alice] = registry.users;
    assert.ok(issuer && alice);
    const post = (form: Record<string, string>) =>
      fetch(issuer.realm, {
        method: 'POST',
        body: new URLSearchParams({ service: issuer.service, ...form }),
      });

    // password grant with a refresh token, then the refresh grant
    const password = await post({
      grant_type: 'password',
      username: alice.name,
      password: alice.password,
      access_type: 'offline',
      client_id: 'regcred',
    });
    const first = (await password.json()) as TokenReply;
    assert.equal(password.status, 200);
    assert.ok(first.refresh_token && first.access_token);
    assert.equal(first.token, undefined);
    const refreshed = await post({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      scope: 'repository:a/b:pull,push',
    });
    const second = (await refreshed.json()) as TokenReply;
    assert.equal(refreshed.status, 200);
    const opened = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: `Bearer ${second.access_token}` },
    });
    assert.equal(opened.status, 200);
    const badRefresh = await post({
      grant_type: 'refresh_token',
      refresh_token: 'not-issued',
    });
    assert.equal(badRefresh.status, 401);
    const forms = issuer.requests().map((entry) => entry.form);
    assert.doesNotMatch(JSON.stringify(forms), new RegExp(alice.password));
    assert.doesNotMatch(JSON.stringify(forms), /not-issued/);

    // a POST-only service, a GET-only one, no refresh tokens, garbage
    issuer.update({ methods: 'post-only', refusedStatus: 405 });
    assert.equal((await fetch(issuer.realm)).status, 405);
    issuer.update({ methods: 'get-only', refusedStatus: 404 });
    assert.equal((await post({ grant_type: 'password' })).status, 404);
    issuer.update({ refreshTokens: false });
    const noRefresh = await fetch(`${issuer.realm}?offline_token=true`, {
      headers: { Authorization: basic(alice) },
    });
    assert.equal(
      ((await noRefresh.json()) as TokenReply).refresh_token,
      undefined,
    );
    issuer.update({ reply: 'html' });
    const html = await fetch(issuer.realm);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  });

  it('token: ES256 (https issuer) and kid-only RS256 work', async (t) => {
    const ecCerts = await makeTestCerts({ signingAlgorithm: 'ES256' });
    t.after(() => ecCerts.cleanup());
    const registry = await startRegistry({
      auth: 'token',
      certs: ecCerts,
      tokenIssuerOptions: { tls: true, keyIdentifier: 'x5c+kid' },
    });
    t.after(() => registry.stop());
    const issuer = registry.tokenIssuer;
    const [alice] = registry.users;
    assert.ok(issuer && alice);
    const agent = new Agent({ connect: { ca: ecCerts.caPem } });
    t.after(() => agent.close());

    const reply = await undiciFetch(issuer.realm, {
      dispatcher: agent,
      headers: { Authorization: basic(alice) },
    });
    const { token = '' } = (await reply.json()) as TokenReply;
    assert.equal(headerOf(token).alg, 'ES256');
    assert.match(
      String(headerOf(token).kid),
      /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/,
    );
    const opened = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(opened.status, 200);

    // the RS256 registry from the shared certs, with only a kid
    const rsa = await startRegistry({ auth: 'token', certs });
    t.after(() => rsa.stop());
    rsa.tokenIssuer?.update({ keyIdentifier: 'kid' });
    const kidOnly = rsa.tokenIssuer?.signToken('alice') ?? '';
    assert.equal(headerOf(kidOnly).x5c, undefined);
    const kidOpened = await fetch(`${rsa.url}/v2/`, {
      headers: { Authorization: `Bearer ${kidOnly}` },
    });
    assert.equal(kidOpened.status, 200);
  });

  it('stop() kills the registry and removes its directory', async () => {
    const registry = await startRegistry({ auth: 'none' });
    await registry.stop();

    assert.equal(existsSync(registry.dir), false);
    await assert.rejects(fetch(`${registry.url}/v2/`), /fetch failed/);
    await registry.stop();
  });

  it('a registry that cannot start reports its log', async () => {
    const broken = { ...certs, serverKeyFile: '/nonexistent/server.key' };
    await assert.rejects(
      startRegistry({ auth: 'none', tls: true, certs: broken }),
      (error: Error) => {
        assert.match(error.message, /Starting \/usr\/bin\/docker-registry/);
        assert.match(error.message, /exited with status/);
        assert.match(error.message, /nonexistent\/server\.key/);
        return true;
      },
    );
  });
});
