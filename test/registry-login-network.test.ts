import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import {
  loginToRegistry,
  type RegistryLoginOptions,
} from '../src/registry/login.js';
import { basicRegistry, bearerRegistry } from './support/http-registry.js';
import { startProxy, type TestProxy } from './support/http-proxy.js';
import { redirectingTo } from './support/http-redirect.js';
import { startServer, type TestServer } from './support/http-server.js';
import {
  makeTestCertificates,
  type TestCertificates,
} from './support/http-tls-certs.js';
import { tokenService } from './support/http-token-service.js';

const PASSWORD = 'pw-Secret-4';
let dir: string;
let certs: TestCertificates;
/** A Basic registry on 127.0.0.1. */
let registry: TestServer;
/** A Basic registry on 127.0.0.2: another host name. */
let elsewhere: TestServer;
/** A server that redirects; its handler is set per test. */
let redirector: TestServer;
let proxy: TestProxy;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-net-test-'));
  certs = makeTestCertificates();
  registry = await startServer(basicRegistry({ alice: PASSWORD }));
  elsewhere = await startServer(basicRegistry({ alice: PASSWORD }), {
    address: '127.0.0.2',
  });
  redirector = await startServer(() => ({ status: 500 }));
  proxy = await startProxy();
});
after(async () => {
  await Promise.all(
    [registry, elsewhere, redirector, proxy].map((one) => one.close()),
  );
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const server of [registry, elsewhere, redirector]) {
    server.requests.length = 0;
  }
  proxy.tunnels.length = 0;
  proxy.forwarded.length = 0;
});

function options(
  overrides: Partial<RegistryLoginOptions> = {},
): RegistryLoginOptions {
  return {
    serverKey: redirector.host,
    username: 'alice',
    password: PASSWORD,
    env: {},
    certsDir: join(dir, 'no-certs'),
    ...overrides,
  };
}

test('a redirect to the same host name keeps Authorization', async () => {
  redirector.handle(redirectingTo(registry.url));
  const result = await loginToRegistry(options());
  assert.equal(result.status, 'Login Succeeded');
  // ping and retry, each redirected once
  assert.deepEqual(result.requests, { registry: 4, tokenService: 0 });
  assert.match(registry.requests[1]?.headers.authorization ?? '', /^Basic /);
});

test('a redirect to another host name drops Authorization', async () => {
  for (const target of [elsewhere.url, `http://localhost:${registry.port}`]) {
    redirector.handle(redirectingTo(target, 302));
    await assert.rejects(loginToRegistry(options()), {
      code: 'ERR_LOGIN_UNAUTHORIZED',
      message:
        /login attempt to http:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401/,
    });
  }
  const reached = [...elsewhere.requests, ...registry.requests];
  assert.equal(reached.length, 4);
  assert.ok(reached.every((one) => one.headers.authorization === undefined));
});

test('a token request redirected to another host loses its Basic header', async () => {
  const tokens = await startServer(
    tokenService({ users: { alice: PASSWORD }, token: 'tok' }),
    { address: '127.0.0.2' },
  );
  const bearer = await startServer(
    bearerRegistry({
      realm: `${redirector.url}/token`,
      acceptedTokens: ['tok'],
    }),
  );
  try {
    redirector.handle(redirectingTo(tokens.url));
    await assert.rejects(loginToRegistry(options({ serverKey: bearer.host })), {
      code: 'ERR_LOGIN_UNAUTHORIZED',
    });
    assert.match(
      redirector.requests[0]?.headers.authorization ?? '',
      /^Basic /,
    );
    assert.equal(tokens.requests[0]?.headers.authorization, undefined);
  } finally {
    await Promise.all([tokens.close(), bearer.close()]);
  }
});

test('a token form is not re-posted to another host', async () => {
  const tokens = await startServer(
    tokenService({ users: {}, token: 'tok', acceptedRefreshTokens: ['r'] }),
    { address: '127.0.0.2' },
  );
  const bearer = await startServer(
    bearerRegistry({
      realm: `${redirector.url}/token`,
      acceptedTokens: ['tok'],
    }),
  );
  try {
    redirector.handle(redirectingTo(tokens.url, 307));
    await assert.rejects(
      loginToRegistry(
        options({ serverKey: bearer.host, password: '', identityToken: 'r' }),
      ),
      {
        code: 'ERR_TOKEN_SERVICE',
        message: /redirects the form to another host/,
      },
    );
    assert.equal(tokens.requests.length, 0);
  } finally {
    await Promise.all([tokens.close(), bearer.close()]);
  }
});

test('redirects stop after 10', async () => {
  redirector.handle(redirectingTo(redirector.url));
  await assert.rejects(loginToRegistry(options()), {
    code: 'ERR_LOGIN_FAILED',
    message: /stopped after 10 redirects/,
  });
  assert.equal(redirector.requests.length, 11);
});

test('https to a non-loopback host goes through HTTPS_PROXY', async () => {
  const tls = await startServer(basicRegistry({ alice: PASSWORD }), {
    tls: { key: certs.serverKey, cert: certs.serverCert },
  });
  const host = `0.0.0.0:${tls.port}`;
  const certsDir = join(dir, 'proxy-certs');
  mkdirSync(join(certsDir, host), { recursive: true });
  writeFileSync(join(certsDir, host, 'ca.crt'), certs.ca);
  try {
    const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
    await loginToRegistry(options({ serverKey: host, certsDir, env }));
    assert.deepEqual(proxy.tunnels, [host]);
    assert.equal(tls.requests.length, 2);

    // NO_PROXY, lower case, by IP
    proxy.tunnels.length = 0;
    const bypassed = { https_proxy: proxy.url, no_proxy: '0.0.0.0' };
    await loginToRegistry(
      options({ serverKey: host, certsDir, env: bypassed }),
    );
    assert.deepEqual(proxy.tunnels, []);
  } finally {
    await tls.close();
  }
});

test('plain http to a non-loopback host goes through HTTP_PROXY', async () => {
  const env = { HTTP_PROXY: proxy.url };
  const hubEndpoint = `http://0.0.0.0:${registry.port}`;
  await loginToRegistry(options({ serverKey: 'docker.io', hubEndpoint, env }));
  assert.deepEqual(proxy.forwarded, [
    `${hubEndpoint}/v2/`,
    `${hubEndpoint}/v2/`,
  ]);
  assert.deepEqual(proxy.tunnels, []);
});

test('loopback hosts never go through a proxy, as in Go', async () => {
  const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
  for (const serverKey of [registry.host, `localhost:${registry.port}`]) {
    await loginToRegistry(options({ serverKey, env }));
  }
  assert.deepEqual(proxy.tunnels, []);
  assert.deepEqual(proxy.forwarded, []);
});

test('a proxy regcred cannot use is an error', async () => {
  const hubEndpoint = `https://0.0.0.0:${registry.port}`;
  await assert.rejects(
    loginToRegistry(
      options({
        serverKey: 'docker.io',
        hubEndpoint,
        env: { HTTPS_PROXY: 'socks5://127.0.0.1:1' },
      }),
    ),
    { code: 'ERR_REGISTRY_UNREACHABLE', message: /HTTPS_PROXY does not hold/ },
  );
});
