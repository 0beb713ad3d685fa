import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawPicture } from '../src/explain/picture.js';
import { renderText, wrap } from '../src/explain/render-text.js';
import type { ExplainReport } from '../src/explain/report.js';
import { parsePasswd } from '../src/explain/system.js';

function sampleReport(): ExplainReport {
  return {
    schema: 'regcred.explain/v1',
    reference: 'reg.example.test/app',
    identity: {
      uid: 1000,
      gid: 1000,
      user: 'alice',
      home: '/home/alice',
      homeSource: 'HOME',
      passwdHome: '/home/alice',
      sudo: null,
    },
    environment: {
      platform: 'linux',
      place: 'host',
      evidence: [],
      context: 'default',
      contextSource: 'default',
      endpoint: 'unix:///var/run/docker.sock',
      contextError: null,
      socketPath: '/var/run/docker.sock',
      socketExists: true,
      daemonInVm: false,
    },
    config: {
      dir: '/home/alice/.docker',
      file: '/home/alice/.docker/config.json',
      source: 'HOME',
      exists: true,
      error: null,
      owner: { uid: 1000, gid: 1000, mode: '0600' },
      credsStore: 'desktop',
      credsStoreSource: 'configured',
      credHelpers: {},
      helpers: [{ name: 'desktop', path: null, usedBy: ['credsStore'] }],
      secretKeys: [],
      dockerAuthConfig: { set: false, valid: false, keys: [], reason: null },
      legacyDockercfg: { path: '/home/alice/.dockercfg', exists: false },
    },
    lookup: null,
    podman: {
      authFile: null,
      files: [],
      credentialHelpers: ['containers-auth.json'],
      registriesConf: null,
      registriesConfError: null,
      lookup: null,
    },
    elsewhere: [],
    checks: [
      {
        id: 'identity.user',
        section: 'identity',
        title: 'User',
        status: 'info',
        summary: 'uid 1000 (alice)',
        details: [],
        next: null,
      },
      {
        id: 'config.helper.desktop',
        section: 'config',
        title: 'Helper desktop',
        status: 'failed',
        summary: 'docker-credential-desktop is not on PATH',
        details: [
          'pulls silently fall back to config.json entries or go anonymous; ' +
            'docker login and build fail, and this sentence is long enough to wrap',
        ],
        next: 'install docker-credential-desktop, or remove just "credsStore"',
      },
    ],
    counts: { ok: 0, warning: 0, failed: 1, info: 1 },
    exitStatus: 1,
  };
}

test('renderText() prints sections, statuses, details and the next command', () => {
  const out = renderText(sampleReport());
  assert.match(out, /^regcred explain: where does my login live\?\n/);
  assert.match(out, /\nWho runs it\n {2}info {3}User: uid 1000 \(alice\)\n/);
  assert.match(
    out,
    /\nConfig\n {2}FAIL {3}Helper desktop: docker-credential-desktop/,
  );
  assert.match(out, /\n {9}next: install docker-credential-desktop/);
  assert.match(out, /0 ok, 0 warning\(s\), 1 failed, 1 info; exit 1: see/);
  assert.ok(!out.includes('\u001b['), 'no colour without a paint function');
  for (const line of out.split('\n')) assert.ok(line.length <= 80, line);
});

test('renderText() colours labels only through the paint function', () => {
  const out = renderText(sampleReport(), {
    paint: (color, text) => `<${color}>${text}</${color}>`,
  });
  assert.match(out, /<red>FAIL <\/red>/);
  assert.match(out, /<dim>info <\/dim>/);
});

test('renderText() shows the picture under the title when given one', () => {
  const out = renderText(sampleReport(), { picture: ['PICTURE'] });
  assert.match(
    out,
    /^regcred explain: where does my login live\?\n\nPICTURE\n/,
  );
});

test('wrap() keeps the leading indent and indents continuation lines', () => {
  assert.deepEqual(wrap('  one two three', '    ', 9), [
    '  one two',
    '    three',
  ]);
  assert.deepEqual(wrap('unbreakable-long-word x', '  ', 5), [
    'unbreakable-long-word',
    '  x',
  ]);
});

test('drawPicture() draws client and daemon in ASCII, marking the credentials', () => {
  const report = sampleReport();
  report.config.helpers = [
    {
      name: 'desktop',
      path: '/usr/bin/docker-credential-desktop',
      usedBy: ['credsStore'],
    },
  ];
  const lines = drawPicture(report);
  assert.match(
    lines[0] ?? '',
    /^\+- this client: a host, uid 1000 \(alice\) -+\+$/,
  );
  const helper = lines.find((line) =>
    line.includes('docker-credential-desktop'),
  );
  assert.match(helper ?? '', / \* \|$/);
  assert.ok(
    lines.some((line) =>
      line.includes('unix:///var/run/docker.sock (socket present)'),
    ),
  );
  assert.ok(
    lines.some((line) => line.startsWith('* where the credentials are')),
  );
  for (const line of lines) {
    assert.ok(line.length <= 76, line);
    assert.match(line, /^[\x20-\x7e]*$/, 'ASCII only');
  }
});

test('drawPicture() marks a missing helper and shortens a long path', () => {
  const report = sampleReport();
  report.config.file = `/home/${'x'.repeat(100)}/.docker/config.json`;
  const lines = drawPicture(report);
  const config = lines.find((line) => line.startsWith('| config'));
  assert.match(config ?? '', /\.\.\.x*\/\.docker\/config\.json +\|$/);
  assert.ok(
    lines.some((line) => line.includes('helper desktop: MISSING from PATH')),
  );
  const widths = new Set(
    lines.filter((l) => /^[+|]/.test(l)).map((l) => l.length),
  );
  assert.deepEqual([...widths], [76]);
});

test('parsePasswd() reads name, uid, gid and home, skipping bad lines', () => {
  const text = [
    'root:x:0:0:root:/root:/bin/bash',
    '# a comment',
    '',
    'broken-line',
    'ann:x:1000:1000:Ann,,,:/home/ann:/bin/sh',
    'odd:x:notanumber:1:odd:/home/odd:/bin/sh',
  ].join('\n');
  assert.deepEqual(parsePasswd(text), [
    { name: 'root', uid: 0, gid: 0, home: '/root' },
    { name: 'ann', uid: 1000, gid: 1000, home: '/home/ann' },
  ]);
});
