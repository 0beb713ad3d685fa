/**
 * Runs bin/regcred on a pseudo-terminal, for the tests of login's
 * prompts: python3's pty module starts it with the terminal as stdin,
 * stdout and stderr, waits for each expected text and types the answer.
 * The script (on python's argv) holds no secret; the steps, which do, go
 * on python's stdin.
 *
 * @example
 * ```ts
 * const run = await runOnTerminal(['login', host], env, [
 *   { expect: 'Username: ', send: 'alice\r' },
 *   { expect: 'Password: ', send: 'pw\r' },
 * ]);
 * assert.equal(run.status, 0);
 * ```
 */
import { spawn } from 'node:child_process';
import { findExecutable } from '../../src/internal/find-executable.js';
import { BIN } from './cli.js';
import { watchProductRun } from './leak-log.js';

/** Why terminal tests cannot run here, or false when they can. */
export const PTY_UNAVAILABLE: string | false =
  findExecutable('python3', { PATH: '/usr/local/bin:/usr/bin:/bin' }) ===
  undefined
    ? 'python3 is not installed; it drives the pseudo-terminal'
    : false;

/** Wait for `expect` in the output (after the previous step's), then
 * type `send`, or send regcred the signal `signal`. */
export type TerminalStep =
  | { expect: string; send: string }
  | { expect: string; signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' };

/** What a run on the terminal did. */
export interface TerminalRun {
  /** The exit status, or 128 + signal number when a signal ended it. */
  status: number;
  /** Everything the terminal showed: output and echoed input. */
  transcript: string;
  /** The terminal's echo and canonical (line) mode when regcred started,
   * and after it ended (null when they could not be read). */
  modeBefore: TerminalMode;
  modeAfter: TerminalMode | null;
}

/** The terminal settings a hidden prompt changes. */
export interface TerminalMode {
  echo: boolean;
  canonical: boolean;
}

const DRIVER = String.raw`
import json, os, pty, select, signal, sys, termios, time
spec = json.loads(sys.stdin.read())
pid, fd = pty.fork()
if pid == 0:
    os.execve(spec['argv'][0], spec['argv'], spec['env'])
mode_before = termios.tcgetattr(fd)
out = b''
def read_some(deadline):
    global out
    ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not ready:
        return False
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        return None
    if not chunk:
        return None
    out += chunk
    return True
deadline = time.time() + spec['timeout']
seen = 0
for step in spec['steps']:
    want = step['expect'].encode()
    while out.find(want, seen) == -1:
        if time.time() > deadline or not read_some(deadline):
            sys.stderr.write('timed out waiting for %r; output so far: %r\n'
                             % (step['expect'], out))
            os.kill(pid, 9)
            sys.exit(3)
    seen = out.find(want, seen) + len(want)
    time.sleep(0.05)
    if 'signal' in step:
        os.kill(pid, getattr(signal, step['signal']))
    else:
        os.write(fd, step['send'].encode())
while time.time() < deadline:
    if read_some(deadline) is None:
        break
_, status = os.waitpid(pid, 0)
def flags(mode):
    return {'echo': bool(mode[3] & termios.ECHO),
            'canonical': bool(mode[3] & termios.ICANON)}
try:
    mode_after = flags(termios.tcgetattr(fd))
except termios.error:
    mode_after = None
print(json.dumps({
    'status': os.waitstatus_to_exitcode(status) if os.WIFEXITED(status)
              else 128 + os.WTERMSIG(status),
    'transcript': out.decode('utf-8', 'replace'),
    'modeBefore': flags(mode_before),
    'modeAfter': mode_after,
}))
`;

/**
 * Runs `regcred ...args` with exactly `env` on a new pseudo-terminal,
 * playing `steps`, within `timeoutMs`.
 */
export function runOnTerminal(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  steps: readonly TerminalStep[],
  timeoutMs = 10_000,
): Promise<TerminalRun> {
  const spec = {
    argv: [process.execPath, BIN, ...args],
    env,
    steps,
    timeout: timeoutMs / 1000,
  };
  const watched = watchProductRun(
    'regcred',
    args,
    env,
    '',
    typedSecrets(steps),
  );
  return new Promise((done, fail) => {
    const python = spawn('python3', ['-c', DRIVER], {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    });
    let stdout = '';
    let stderr = '';
    python.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    python.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    python.on('error', fail);
    python.on('close', (code) => {
      if (code !== 0) {
        fail(new Error(`the terminal driver failed (${code}): ${stderr}`));
        return;
      }
      const run = JSON.parse(stdout) as TerminalRun;
      watched.finish([{ stream: 'terminal', text: run.transcript }]);
      done(run);
    });
    python.stdin.end(JSON.stringify(spec));
  });
}

/** What the steps type at a password prompt, for the leak scan. */
function typedSecrets(steps: readonly TerminalStep[]) {
  return steps.flatMap((step) =>
    'send' in step && step.expect.includes('Password')
      ? [{ value: step.send.replace(/\r$/, ''), source: 'typed password' }]
      : [],
  );
}
