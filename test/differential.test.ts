/**
 * The differential test: `regcred get REF` against the real Docker CLI.
 *
 * For each case, `docker pull REF` runs against a fake daemon on a unix
 * socket, which records the X-Registry-Auth header Docker resolved; at the
 * same time `regcred get REF` runs with the same config, helpers and
 * environment. regcred must print exactly the JSON Docker encoded.
 *
 * REGCRED_DIFF_CASES sets how many generated cases run (default 300),
 * REGCRED_DIFF_SEED their seed (default 1), REGCRED_DIFF_JOBS how many run
 * at once. See docs/differential-testing.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateCases, needsLookup } from './support/config-generator.js';
import type { DifferentialCase } from './support/differential-case.js';
import {
  describeResult,
  findNetworkIsolation,
  findOnPath,
  runCases,
  type CaseResult,
  type RunOptions,
  type Verdict,
} from './support/differential-run.js';
import {
  DOCKER_WARNED,
  HAND_PICKED_CASES,
  PASS_STORE_CONTENT,
  realPassCases,
} from './support/hand-picked-cases.js';
import {
  createPassStore,
  PASS_UNAVAILABLE,
  type PassStore,
} from './support/pass-fixture.js';
import { registerTestSecret } from './support/leak-secrets.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const REGCRED_BIN = join(REPO, 'bin', 'regcred');
const REGCRED_MAIN = join(REPO, 'dist', 'cli', 'main.js');
const DOCKER = findOnPath('docker', process.env.PATH ?? '');
const DOCKER_VERSION = '28.2.2';

const CASE_COUNT = readInteger('REGCRED_DIFF_CASES', 300);
const SEED = readInteger('REGCRED_DIFF_SEED', 1);
const JOBS = readInteger('REGCRED_DIFF_JOBS', availableParallelism() * 2);

/** How many disagreements a failure message shows in full. */
const SHOWN_DISAGREEMENTS = 12;

const skip =
  DOCKER === undefined
    ? 'docker is not on PATH: the differential test against the Docker ' +
      `CLI ${DOCKER_VERSION} cannot run here`
    : false;

describe('regcred get REF against docker pull REF', { skip }, () => {
  let options: RunOptions;
  let handPicked: Promise<CaseResult[]> | undefined;

  before(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'regcred-diff-'));
    const isolation = await findNetworkIsolation(process.env.PATH ?? '');
    options = {
      regcredBin: REGCRED_BIN,
      dockerPath: DOCKER ?? 'docker',
      workDir,
      isolation: isolation ?? [],
    };
  });

  after(async () => {
    if (options) await rm(options.workDir, { recursive: true, force: true });
  });

  function runHandPicked(t: TestContext): Promise<CaseResult[]> {
    handPicked ??= runCases(casesToRun(HAND_PICKED_CASES, options, t), {
      ...options,
      concurrency: JOBS,
    });
    return handPicked;
  }

  const harnessCheck =
    'docker pull sends what the hand-picked cases record (harness check)';
  test(harnessCheck, async (t) => {
    t.diagnostic(`docker: ${dockerVersion()}`);
    t.diagnostic(
      options.isolation.length > 0
        ? `docker and regcred run under '${options.isolation.join(' ')}'`
        : 'no network namespace could be made: only registries Docker ' +
            'does not look up in DNS are used',
    );
    const results = await runHandPicked(t);

    const wrong = results.filter((result) => {
      const sent = result.docker.warned ? DOCKER_WARNED : result.docker.json;
      return sent !== result.testCase.expected;
    });
    const report = wrong.map(
      (result) =>
        `${describeResult(result)}\n  recorded:    ${result.testCase.expected}`,
    );
    assert.equal(
      wrong.length,
      0,
      'Docker did not send what the hand-picked cases record; the ' +
        `harness or the record is wrong:\n${report.join('\n')}`,
    );
  });

  const handPickedName =
    'regcred get prints what docker pull sends, hand-picked cases';
  test(handPickedName, async (t) => {
    requireBuild();
    const results = await runHandPicked(t);
    assertAgreement(t, results);
  });

  const generatedName =
    `regcred get prints what docker pull sends, ${CASE_COUNT} generated ` +
    `cases (seed ${SEED})`;
  test(generatedName, async (t) => {
    requireBuild();
    const noLookups = options.isolation.length === 0;
    const cases = generateCases(SEED, CASE_COUNT, { noLookups });
    const started = performance.now();
    const results = await runCases(cases, { ...options, concurrency: JOBS });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(`${cases.length} cases in ${seconds} s, ${JOBS} at a time`);
    assertAgreement(t, results);
  });

  describe(
    'with the real docker-credential-pass',
    {
      skip: PASS_UNAVAILABLE,
    },
    () => {
      let store: PassStore | undefined;

      before(async () => {
        store = await createPassStore();
        for (const credential of PASS_STORE_CONTENT) {
          storeInPass(store, credential);
        }
      });

      after(() => store?.cleanup());

      const passName =
        'regcred get prints what docker pull sends when Docker picks pass';
      test(passName, async (t) => {
        requireBuild();
        const {
          GNUPGHOME = '',
          PASSWORD_STORE_DIR = '',
          PATH = '',
        } = store?.env ?? {};
        const cases = casesToRun(
          realPassCases({ GNUPGHOME, PASSWORD_STORE_DIR }, PATH),
          options,
          t,
        );
        const results = await runCases(cases, { ...options, concurrency: 2 });
        assertAgreement(t, results);
      });
    },
  );
});

/** Stores a credential with the real helper, as `docker login` would. */
function storeInPass(
  store: PassStore,
  credential: (typeof PASS_STORE_CONTENT)[number],
): void {
  const input = JSON.stringify({
    ServerURL: credential.serverURL,
    Username: credential.username,
    Secret: credential.secret,
  });
  registerTestSecret(credential.secret, credential.username, 'pass store');
  execFileSync('docker-credential-pass', ['store'], {
    input,
    env: store.env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

/** Fails with every disagreement described; reports the counts. */
function assertAgreement(t: TestContext, results: CaseResult[]): void {
  const counts = countVerdicts(results);
  t.diagnostic(
    `${counts.agree} agree, ${counts['both-rejected']} rejected by both, ` +
      `${counts.disagree} disagree; left out: ${counts['docker-warned']} ` +
      `(Docker warned about config.json), ${counts['docker-random']} ` +
      '(Docker answered at random)',
  );

  const disagreements = results.filter((r) => r.verdict === 'disagree');
  const shown = disagreements.slice(0, SHOWN_DISAGREEMENTS);
  const more = disagreements.length - shown.length;
  assert.equal(
    disagreements.length,
    0,
    `regcred get disagrees with docker pull in ${disagreements.length} ` +
      `of ${results.length} cases:\n\n` +
      shown.map(describeResult).join('\n\n') +
      (more > 0 ? `\n\n… and ${more} more` : ''),
  );

  // A harness that leaves most cases out tests nothing.
  const compared = counts.agree + counts['both-rejected'];
  assert.ok(
    compared >= results.length * 0.7,
    `Only ${compared} of ${results.length} cases were compared; check ` +
      'what Docker printed for the others',
  );
}

function countVerdicts(results: CaseResult[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    agree: 0,
    'both-rejected': 0,
    disagree: 0,
    'docker-warned': 0,
    'docker-random': 0,
  };
  for (const result of results) counts[result.verdict]++;
  return counts;
}

/** Leaves out cases whose registry Docker would look up in DNS, when
 * Docker cannot be cut off from the network. */
function casesToRun(
  cases: readonly DifferentialCase[],
  options: RunOptions,
  t: TestContext,
): DifferentialCase[] {
  if (options.isolation.length > 0) return [...cases];
  const kept = cases.filter((c) => !needsLookup(c.reference));
  t.diagnostic(
    `no network namespace available: ${cases.length - kept.length} cases ` +
      'whose registry Docker would look up in DNS are left out',
  );
  return kept;
}

function requireBuild(): void {
  assert.ok(
    existsSync(REGCRED_MAIN),
    `${REGCRED_MAIN} is missing: run 'npm run build' before this test`,
  );
}

function dockerVersion(): string {
  const version = execFileSync(DOCKER ?? 'docker', ['--version'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  }).trim();
  return version.includes(DOCKER_VERSION)
    ? version
    : `${version} (the cases were written against ${DOCKER_VERSION})`;
}

function readInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new RangeError(`${name} must be a whole number, not '${value}'`);
  }
  return parsed;
}
