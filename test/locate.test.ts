import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { test } from 'node:test';
import { locateConfig } from '../src/config/locate.js';

const CWD = '/work/dir';
const noPasswd = (): undefined => undefined;

test('locateConfig() prefers --config, cleaned, over everything', () => {
  const location = locateConfig({
    configDir: '/a/b/../c//',
    env: { DOCKER_CONFIG: '/env', HOME: '/home/ann' },
    cwd: CWD,
  });
  assert.deepEqual(location, {
    dir: '/a/c',
    file: '/a/c/config.json',
    source: 'flag',
    home: '/home/ann',
    homeSource: 'HOME',
    legacyDockercfg: '/home/ann/.dockercfg',
  });
});

test('locateConfig() resolves a relative --config against cwd', () => {
  const location = locateConfig({ configDir: 'cfg/', env: {}, cwd: CWD });
  assert.equal(location.file, '/work/dir/cfg/config.json');
});

test('locateConfig() treats an empty --config as not given', () => {
  const location = locateConfig({
    configDir: '',
    env: { DOCKER_CONFIG: '/env', HOME: '/home/ann' },
    cwd: CWD,
  });
  assert.equal(location.dir, '/env');
  assert.equal(location.source, 'DOCKER_CONFIG');
});

test('locateConfig() resolves a relative DOCKER_CONFIG against cwd', () => {
  const location = locateConfig({
    env: { DOCKER_CONFIG: './d', HOME: '/home/ann' },
    cwd: CWD,
  });
  assert.equal(location.file, '/work/dir/d/config.json');
});

test('locateConfig() ignores an empty DOCKER_CONFIG', () => {
  const location = locateConfig({
    env: { DOCKER_CONFIG: '', HOME: '/home/ann' },
    cwd: CWD,
  });
  assert.equal(location.file, '/home/ann/.docker/config.json');
  assert.equal(location.source, 'HOME');
});

for (const [name, env] of [
  ['unset', {}],
  ['empty', { HOME: '' }],
] as const) {
  test(`locateConfig() uses the passwd home when HOME is ${name}`, () => {
    const location = locateConfig({
      env,
      cwd: CWD,
      platform: 'linux',
      lookupPasswdHome: () => '/var/lib/ann',
    });
    assert.deepEqual(location, {
      dir: '/var/lib/ann/.docker',
      file: '/var/lib/ann/.docker/config.json',
      source: 'passwd',
      home: '/var/lib/ann',
      homeSource: 'passwd',
      legacyDockercfg: '/var/lib/ann/.dockercfg',
    });
  });
}

test('locateConfig() looks the passwd home up with os.userInfo()', () => {
  const location = locateConfig({ env: { HOME: '' }, platform: 'linux' });
  assert.equal(location.home, userInfo().homedir);
  assert.equal(location.homeSource, 'passwd');
});

test('locateConfig() falls back to ./.docker when no home is found', () => {
  // Go joins an empty home with '.docker', a path relative to cwd
  const location = locateConfig({
    env: {},
    cwd: CWD,
    platform: 'linux',
    lookupPasswdHome: noPasswd,
  });
  assert.equal(location.dir, '/work/dir/.docker');
  assert.equal(location.home, undefined);
  assert.equal(location.homeSource, undefined);
  assert.equal(location.source, 'passwd');
});

test('locateConfig() reports the home even when DOCKER_CONFIG wins', () => {
  const location = locateConfig({
    env: { DOCKER_CONFIG: '/env' },
    cwd: CWD,
    platform: 'linux',
    lookupPasswdHome: () => '/var/lib/ann',
  });
  assert.equal(location.home, '/var/lib/ann');
  assert.equal(location.legacyDockercfg, '/var/lib/ann/.dockercfg');
});

test('locateConfig() uses USERPROFILE and no passwd lookup on Windows', () => {
  const env = { HOME: '/ignored', USERPROFILE: '/users/ann' };
  const location = locateConfig({ env, cwd: CWD, platform: 'win32' });
  assert.equal(location.home, '/users/ann');
  const bare = locateConfig({
    env: { HOME: '/ignored' },
    cwd: CWD,
    platform: 'win32',
    lookupPasswdHome: () => assert.fail('no user-database lookup on Windows'),
  });
  assert.equal(bare.home, undefined);
});

test('locateConfig() does not read process.env when env is given', () => {
  const saved = process.env.DOCKER_CONFIG;
  process.env.DOCKER_CONFIG = '/from/process/env';
  try {
    const location = locateConfig({ env: { HOME: '/home/ann' }, cwd: CWD });
    assert.equal(location.dir, '/home/ann/.docker');
  } finally {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
  }
});
