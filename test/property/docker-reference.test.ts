/**
 * Generated image references through the real Docker CLI 28.x and through
 * `parseImageReference`: both must accept or reject alike (with Docker's
 * reason), and agree on the repository name, the tag or digest, and the
 * credential key.
 *
 * Docker runs as `docker pull -- REF` in an empty network namespace
 * (`unshare --net`: it looks registry names up in DNS), against a fake
 * daemon on a unix socket that records `fromImage` and `tag`, with a spy
 * credential helper that records the key Docker asks for.
 *
 * REGCRED_DOCKER_REFERENCES sets how many references run (default 300).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { InvalidReferenceError } from '../../src/errors.js';
import {
  displayText,
  escapeControlCharacters,
} from '../../src/internal/control-characters.js';
import {
  credentialKeyForDomain,
  parseImageReference,
} from '../../src/reference/image-reference.js';
import { findDocker28, isolateNetwork } from '../support/docker.js';
import { makeSpyHome } from '../support/spy-helper-home.js';
import { startFakeDaemon, type FakeDaemon } from '../support/fake-daemon.js';
import { runParameters } from './support/fuzz.js';
import { anyText, mutated } from './support/generators.js';
import { validReference } from './support/references.js';

const COUNT = Number(process.env.REGCRED_DOCKER_REFERENCES ?? 300);
const AT_ONCE = 4;

/** What one side made of a reference. */
interface Reading {
  accepted: boolean;
  /** `domain/path` as Docker's `Named.Name()`, when accepted. */
  name?: string;
  /** The digest, else the tag, else `latest`, as the pull sends it. */
  tag?: string;
  /** The credential key asked for. */
  key?: string;
  /** Docker's reason for a rejection, its first line. */
  reason?: string;
}

/**
 * References for Docker: valid ones, and valid ones spoilt. NUL cannot be
 * passed in argv, and a lone surrogate reaches Docker as U+FFFD, so
 * neither is sent.
 */
const references = fc
  .oneof(
    { arbitrary: validReference.map((built) => built.text), weight: 2 },
    { arbitrary: mutated(validReference.map((b) => b.text)), weight: 3 },
    { arbitrary: anyText, weight: 1 },
  )
  .filter(
    (text) =>
      !text.includes('\u0000') &&
      !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
        text,
      ) &&
      text.length < 4_000,
  );

function readWithRegcred(reference: string): Reading {
  try {
    const parsed = parseImageReference(reference);
    const name =
      parsed.domain === '' ? parsed.path : `${parsed.domain}/${parsed.path}`;
    return {
      accepted: true,
      name,
      tag: parsed.digest ?? parsed.tag ?? 'latest',
      key: credentialKeyForDomain(parsed.domain),
    };
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error;
    return { accepted: false, reason: error.message };
  }
}

/** Runs `docker pull -- REF` against `daemon`, and reads what it did. */
async function readWithDocker(
  docker: string[],
  home: string,
  daemon: FakeDaemon,
  reference: string,
  id: number,
): Promise<Reading> {
  const keyFile = join(home, `key-${id}`);
  const seen = daemon.requests.length;
  const env = {
    PATH: `${join(home, 'bin')}:${dirname(docker.at(-1) ?? '')}`,
    HOME: home,
    DOCKER_HOST: daemon.dockerHost,
    SPY_KEY_FILE: keyFile,
  };
  const args = ['--config', join(home, 'config'), 'pull', '--', reference];
  const [program = '', ...prefix] = docker;
  const output = await new Promise<string>((resolve) => {
    execFile(
      program,
      [...prefix, ...args],
      { env, timeout: 20_000 },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
  const pull = daemon.requests
    .slice(seen)
    .find((request) => request.url.includes('/images/create'));
  if (pull === undefined) {
    const lines = output.split('\n').filter((line) => line !== '');
    return { accepted: false, reason: lines[0] ?? '' };
  }
  const query = new URL(pull.url, 'http://daemon.invalid').searchParams;
  const key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined;
  return {
    accepted: true,
    name: query.get('fromImage') ?? '',
    tag: query.get('tag') ?? '',
    ...(key === undefined ? {} : { key }),
  };
}

/** Why the two readings differ, or undefined when they agree. */
function disagreement(
  reference: string,
  ours: Reading,
  docker: Reading,
): string | undefined {
  if (ours.accepted !== docker.accepted) {
    const theirs = docker.accepted ? 'accepts' : `rejects: ${docker.reason}`;
    return `regcred ${ours.accepted ? 'accepts' : 'rejects'}, Docker ${theirs}`;
  }
  if (!ours.accepted) {
    // Docker prints its reason raw, and only its first line is kept here;
    // regcred escapes control characters, cuts a long repository name it
    // quotes (displayText), and adds a hint
    const reason = (docker.reason ?? '').replace(
      /repository name \((.*)\) must be lowercase/s,
      (_, name: string) =>
        `repository name (${displayText(name)}) must be lowercase`,
    );
    const end = /[\n\r]/.test(reference) ? '' : '. ';
    return ours.reason?.includes(`': ${escapeControlCharacters(reason)}${end}`)
      ? undefined
      : `regcred says "${ours.reason}", Docker "${docker.reason}"`;
  }
  const { name, tag, key } = docker;
  const sameName = ours.name === name || isRenamedByDocker(ours, docker);
  if (sameName && ours.tag === tag && ours.key === key) return undefined;
  return `regcred reads ${JSON.stringify(ours)}, Docker ${JSON.stringify(docker)}`;
}

/**
 * Docker's known quirk: the CLI hands the daemon the short ("familiar")
 * name, `docker.io/` dropped, and the daemon parses it again. When the
 * first component left looks like a host (`docker.io/a.b/c`), the name
 * the daemon gets (`a.b/c`) names another registry. The credentials are
 * still looked up under the Hub key, as regcred does.
 */
function isRenamedByDocker(ours: Reading, docker: Reading): boolean {
  const hub = 'docker.io/';
  if (!ours.name?.startsWith(hub)) return false;
  const familiar = ours.name.slice(hub.length);
  const first = familiar.split('/', 1)[0] ?? '';
  const looksLikeHost = /[.:]/.test(first) || first === 'localhost';
  return looksLikeHost && familiar.includes('/') && docker.name === familiar;
}

const DOCKER_BINARY = findDocker28();
const ISOLATION =
  DOCKER_BINARY === undefined ? undefined : await isolateNetwork();

test(
  `${COUNT} generated references read alike by regcred and docker pull`,
  {
    skip:
      (DOCKER_BINARY === undefined && 'Docker CLI 28.x is not on PATH') ||
      (ISOLATION === undefined &&
        'no empty network namespace (unshare --net) for docker pull'),
  },
  async (t) => {
    const docker = [...(ISOLATION ?? []), DOCKER_BINARY ?? 'docker'];
    const sample = fc.sample(references, {
      numRuns: COUNT,
      ...(runParameters().seed === undefined
        ? {}
        : { seed: runParameters().seed }),
    });
    const unique = [...new Set(sample)];
    const home = makeSpyHome('regcred-docker-ref-');
    const daemons = await Promise.all(
      Array.from({ length: AT_ONCE }, () => startFakeDaemon(home)),
    );
    const problems: string[] = [];
    let accepted = 0;
    let renamed = 0;
    const started = performance.now();
    try {
      let next = 0;
      await Promise.all(
        daemons.map(async (daemon) => {
          for (let id = next++; id < unique.length; id = next++) {
            const reference = unique[id] ?? '';
            const theirs = await readWithDocker(
              docker,
              home,
              daemon,
              reference,
              id,
            );
            const ours = readWithRegcred(reference);
            if (ours.accepted) accepted++;
            if (isRenamedByDocker(ours, theirs)) renamed++;
            const problem = disagreement(reference, ours, theirs);
            if (problem)
              problems.push(`${JSON.stringify(reference)}: ${problem}`);
          }
        }),
      );
    } finally {
      await Promise.all(daemons.map((daemon) => daemon.close()));
      rmSync(home, { recursive: true, force: true });
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(
      `${unique.length} references (${accepted} valid, ${renamed} renamed ` +
        `by Docker's familiar-name quirk) in ${seconds} s`,
    );
    assert.equal(problems.length, 0, problems.join('\n'));
  },
);
