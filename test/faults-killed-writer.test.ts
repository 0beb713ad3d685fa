// Faults: writers killed with SIGKILL at random moments, over 1,000
// writes in all. After every kill config.json must be exactly the old or
// the new file, and what the dead writer left (temp files) must not trip
// up the next one.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { updateConfigFile } from '../src/config/config-update.js';

// One lane writes to the disk, where fsync takes its time; the other to
// a tmpfs when there is one, where writes are fast and many more of them
// fit in the time.
const FOLDERS = [tmpdir(), existsSync('/dev/shm') ? '/dev/shm' : tmpdir()];
const TEMPS = FOLDERS.map((folder) =>
  mkdtempSync(join(folder, 'regcred-faults-killed-')),
);
/** Settles once every lane has stopped; the folders go after that. */
let lanesStopped: Promise<unknown> = Promise.resolve();
after(async () => {
  await lanesStopped;
  for (const temp of TEMPS) rmSync(temp, { recursive: true, force: true });
});

const CHILD = fileURLToPath(
  new URL('./support/config-write-child.js', import.meta.url),
);

/** Writes attempted over all rounds of all lanes, at least. */
const WRITES_WANTED = 1000;
/** A writer is killed this long, at most, after its first write began. */
const MAX_KILL_DELAY_MS = 300;
/** Each lane kills at least this many writers. */
const MIN_ROUNDS = 10;

const KEY = 'counter.example';
/** regcred's temp files beside config.json (see atomic-write.ts). */
const TEMP_FILE = /^config\.json\.regcred-\d{10}\.tmp$/;

/** The exact file a write of `value` produces over the seed below. */
function fileWith(value: number): string {
  const auth = Buffer.from(`writer:${value}`).toString('base64');
  return `{\n\t"auths": {\n\t\t"${KEY}": {\n\t\t\t"auth": "${auth}"\n\t\t}\n\t},\n\t"custom": 1\n}`;
}

/** What one killed writer reported on stdout before it died. */
interface Round {
  begun: number[];
  done: number[];
}

/**
 * Starts a counting writer, which waits for the word to go: starting
 * the next writer while one runs keeps node's start-up time out of the
 * rounds.
 */
function startWriter(path: string): Writer {
  const child = spawn(process.execPath, [CHILD, path, 'count', KEY], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  const closed = once(child, 'close').then(() => undefined);
  return { child, closed, output: () => output };
}

/** A started writer: its process, its end, what it printed so far. */
interface Writer {
  child: ChildProcess;
  closed: Promise<void>;
  output(): string;
}

/** Lets a started writer go, kills it at a random moment, and reports. */
async function killedRound(writer: Writer): Promise<Round> {
  const { child, closed } = writer;
  const { stdin, stdout } = child;
  assert.ok(stdin && stdout);
  const firstBegin = new Promise<void>((resolve) => {
    const check = () => {
      if (writer.output().includes('begin ')) resolve();
    };
    check();
    stdout.on('data', check);
    void closed.then(() => resolve());
  });

  stdin.end('go\n');
  await firstBegin;
  await sleep(Math.random() * MAX_KILL_DELAY_MS);
  child.kill('SIGKILL');
  // what the writer printed stays readable in the pipe after its death
  await closed;
  assert.equal(child.signalCode, 'SIGKILL', 'the writer died by itself');
  const output = writer.output();
  const numbers = (word: string) =>
    [...output.matchAll(new RegExp(`^${word} (\\d+)$`, 'gm'))].map((match) =>
      Number(match[1]),
    );
  return { begun: numbers('begin'), done: numbers('done') };
}

/** What the lanes share: writes attempted, and whether to stop early. */
interface Progress {
  attempted: number;
  stopped: boolean;
}

/**
 * Kills writers on one file, in `temp`, until the lanes together
 * attempted {@link WRITES_WANTED} writes and this one killed
 * {@link MIN_ROUNDS} writers, or another lane failed.
 */
async function lane(temp: string, progress: Progress): Promise<void> {
  const dir = mkdtempSync(join(temp, 'lane-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, '{"auths":{},"custom":1}');
  let value = 0;
  let rounds = 0;
  let next = startWriter(path);
  try {
    while (progress.attempted < WRITES_WANTED || rounds < MIN_ROUNDS) {
      if (progress.stopped) return;
      const current = next;
      next = startWriter(path);
      const round = await killedRound(current);
      rounds++;
      progress.attempted += round.begun.length;
      value = checkRound(dir, round, value, rounds);
    }
  } finally {
    next.child.kill('SIGKILL');
    await next.closed;
  }
  assert.ok(value > rounds / 2, `only ${value} writes in ${rounds} rounds`);
  await checkLaterWriter(dir);
}

/**
 * Checks the file after a killed round, and clears the dead writer's
 * lock; returns the counter the file now holds.
 */
function checkRound(
  dir: string,
  round: Round,
  value: number,
  rounds: number,
): number {
  const path = join(dir, 'config.json');
  // exactly the last finished write, or the one under way: old or new
  const text = readFileSync(path, 'utf8');
  const lastBegun = round.begun.at(-1) ?? value;
  const lastDone = round.done.at(-1) ?? value;
  const allowed = new Set([lastDone, lastBegun]);
  const found = [...allowed].find((candidate) =>
    candidate === 0 ? false : text === fileWith(candidate),
  );
  const untouched = value === 0 && text === '{"auths":{},"custom":1}';
  assert.ok(
    found !== undefined || (untouched && allowed.has(0)),
    `round ${rounds}: expected value ${[...allowed].join(' or ')}, ` +
      `found ${JSON.stringify(text)}`,
  );
  JSON.parse(text);

  // only temp files of ours may be left, besides the lock; the lock of
  // a killed writer is taken over after staleLockMs (4 s), which
  // faults-stale-lock.test.ts proves, so the rounds do not wait for it
  const extra = readdirSync(dir).filter(
    (name) => name !== 'config.json' && name !== 'config.json.lock',
  );
  for (const name of extra) assert.match(name, TEMP_FILE);
  rmSync(`${path}.lock`, { recursive: true, force: true });
  return found ?? 0;
}

/** A later writer succeeds beside the leftovers, and clears old ones. */
async function checkLaterWriter(dir: string): Promise<void> {
  const path = join(dir, 'config.json');
  const long = new Date(Date.now() - 120_000);
  for (const name of readdirSync(dir).filter((n) => TEMP_FILE.test(n))) {
    utimesSync(join(dir, name), long, long);
  }
  await updateConfigFile(path, () => ({
    auths: new Map([[KEY, { username: 'writer', password: 'last' }]]),
  }));
  assert.deepEqual(readdirSync(dir), ['config.json']);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).custom, 1);
}

test(
  'writers killed at random moments leave the old or the new file',
  // about 10 s on 2 idle cores; a busy machine may need much longer
  { timeout: 120_000 },
  async (t) => {
    const progress: Progress = { attempted: 0, stopped: false };
    const stop = () => (progress.stopped = true);
    t.signal.addEventListener('abort', stop);
    const lanes = TEMPS.map((temp) =>
      lane(temp, progress).catch((error: unknown) => {
        stop();
        throw error;
      }),
    );
    lanesStopped = Promise.allSettled(lanes);
    await Promise.all(lanes);
    assert.ok(
      progress.attempted >= WRITES_WANTED,
      `${progress.attempted} writes`,
    );
  },
);
