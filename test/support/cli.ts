/**
 * Runs the built CLI (bin/regcred) in a scrubbed environment, for tests.
 */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { watchProductRun } from './leak-log.js';
import { makeFakeHelper } from './fake-helper.js';

/** The CLI's entry point. */
export const BIN = resolve('bin/regcred');

/** Tools the scripted helpers may use; linked into a PATH directory that
 * holds nothing else, so the machine's `pass` cannot trigger Docker's
 * default-store detection by accident. */
const HELPER_TOOLS = ['cat', 'sleep', 'head', 'tr', 'base64', 'env', 'sh'];

/** What one run of the CLI did. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `regcred ...args` with exactly `env` (nothing inherited). What it
 * printed goes to the leak log (test/support/leak-log.ts). */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input = '',
  prefix: readonly string[] = [],
): Promise<CliRun> {
  const started = performance.now();
  const watched = watchProductRun('regcred', args, env, input);
  // a prefix runs regcred under another program, e.g. setpriv's arguments
  const [program = process.execPath, ...before] = prefix;
  const rest = prefix.length === 0 ? [] : [process.execPath];
  return new Promise((done, fail) => {
    const child = spawn(program, [...before, ...rest, BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => {
      const ms = performance.now() - started;
      watched.finish([
        { stream: 'stdout', text: stdout },
        { stream: 'stderr', text: stderr },
      ]);
      done({ status, stdout, stderr, ms });
    });
    // a command that reads no stdin may exit before the write: EPIPE
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') fail(error);
    });
    child.stdin.end(input);
  });
}

/** A temporary home with a config directory and a directory for helpers. */
export interface Sandbox {
  dir: string;
  configDir: string;
  binDir: string;
  /** A scrubbed environment: HOME, DOCKER_CONFIG, and a PATH of binDir
   * plus a few basic tools. */
  env: NodeJS.ProcessEnv;
  /** Writes config.json: an object as JSON, a string as it is. */
  writeConfig(config: unknown): void;
  /** Writes an executable `docker-credential-NAME` shell script. */
  writeHelper(name: string, script: string): void;
  cleanup(): void;
}

/** Makes a sandbox; call cleanup() when done. */
export function makeSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-test-'));
  const configDir = join(dir, 'docker');
  const binDir = join(dir, 'bin');
  const toolsDir = join(dir, 'tools');
  for (const sub of [configDir, binDir, toolsDir]) mkdirSync(sub);
  for (const tool of HELPER_TOOLS) {
    symlinkSync(`/usr/bin/${tool}`, join(toolsDir, tool));
  }
  const env: NodeJS.ProcessEnv = {
    PATH: `${binDir}:${toolsDir}`,
    HOME: dir,
    DOCKER_CONFIG: configDir,
  };
  return {
    dir,
    configDir,
    binDir,
    env,
    writeConfig(config) {
      const text = typeof config === 'string' ? config : JSON.stringify(config);
      writeFileSync(join(configDir, 'config.json'), text);
    },
    writeHelper(name, script) {
      makeFakeHelper(binDir, name, script);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
