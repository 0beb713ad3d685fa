/**
 * The leak scan: reads the log of test/support/leak-log.ts and finds
 * every secret in play that shows in what the product printed, in plain
 * text, JSON-escaped, or base64 (standard or URL-safe, alone, as
 * `user:secret`, or anywhere inside a longer base64 value). The stdout
 * of a command whose job is to print credentials is not scanned.
 *
 * A report names the test file, the command, the stream and the form,
 * and shows a secret only as a masked hint.
 *
 * See docs/testing-leaks.md.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LeakLogEntry, ProductOutput } from './leak-log.js';
import type { TestSecret } from './leak-secrets.js';

/**
 * Secrets shorter than this are not looked for: a value like `pw` or
 * `x` turns up by chance in any output, so finding it proves nothing.
 */
export const MIN_SECRET_LENGTH = 6;

/** Base64 found inside a longer value must be at least this long to
 * count, so that a few characters matching by chance do not. */
const MIN_EMBEDDED_BASE64 = 8;

/** One secret found where it must not be. */
export interface Leak {
  file: string;
  /** The command, with every secret in it masked. */
  command: string;
  stream: string;
  /** How it showed: plain text, base64 of user:secret, ... */
  form: string;
  /** Where the secret came from, and a masked hint of it. */
  secret: string;
}

/** What the scan may skip. */
export interface ScanOptions {
  /**
   * The product's own text (its bundles). A "secret" it contains, such
   * as `password` or `secret`, is a word the product prints anyway, so
   * finding it proves nothing.
   */
  productText?: string;
}

/** Reads every log file in `dir` and scans it. */
export function scanLogFolder(dir: string, options: ScanOptions = {}): Leak[] {
  return findLeaks(readLogFolder(dir), options);
}

/** The entries of every log file in `dir`. */
export function readLogFolder(dir: string): LeakLogEntry[] {
  const entries: LeakLogEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line !== '') entries.push(JSON.parse(line) as LeakLogEntry);
    }
  }
  return entries;
}

/**
 * Finds the leaks in log entries. A secret registered in a test file
 * applies to every run of that file; the others to their own run. An
 * error of the library (which ran in the test's process) is held against
 * every secret seen in its file.
 */
export function findLeaks(
  entries: readonly LeakLogEntry[],
  options: ScanOptions = {},
): Leak[] {
  const registered = new Map<string, TestSecret[]>();
  const seenInFile = new Map<string, TestSecret[]>();
  for (const entry of entries) {
    const file = entry.file ?? 'unknown';
    const found = entry.kind === 'secret' ? [entry.secret] : entry.secrets;
    seenInFile.set(file, [...(seenInFile.get(file) ?? []), ...found]);
    if (entry.kind !== 'secret') continue;
    registered.set(file, [...(registered.get(file) ?? []), entry.secret]);
  }

  const leaks: Leak[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'run') continue;
    const file = entry.file ?? 'unknown';
    // the library runs in the test's process: any secret of the file
    const all =
      entry.program === 'library'
        ? (seenInFile.get(file) ?? [])
        : [...entry.secrets, ...(registered.get(file) ?? [])];
    const secrets = worthLookingFor(all, options);
    const command = maskAll([entry.program, ...entry.args].join(' '), secrets);
    for (const output of entry.outputs) {
      if (output.stream === 'stdout' && entry.stdoutExempt) continue;
      for (const found of findInOutput(output, secrets)) {
        leaks.push({ file, command, stream: output.stream, ...found });
      }
    }
  }
  return dedupe(leaks);
}

/**
 * The secrets worth looking for: long enough, not a user name (a test
 * that uses the same word as user and password would report the user
 * name every command prints), and not a word of the product's own.
 */
function worthLookingFor(
  secrets: readonly TestSecret[],
  options: ScanOptions,
): TestSecret[] {
  const users = new Set(secrets.map((secret) => secret.user));
  const kept = new Map<string, TestSecret>();
  for (const secret of secrets) {
    const { value } = secret;
    if (value.length < MIN_SECRET_LENGTH || users.has(value)) continue;
    if (options.productText?.includes(value)) continue;
    const key = `${value}\0${secret.user ?? ''}`;
    if (!kept.has(key)) kept.set(key, secret);
  }
  return [...kept.values()];
}

function findInOutput(
  output: ProductOutput,
  secrets: readonly TestSecret[],
): { form: string; secret: string }[] {
  const found: { form: string; secret: string }[] = [];
  for (const secret of secrets) {
    const form = formFound(output.text, secret);
    if (form !== undefined) {
      found.push({ form, secret: `${secret.source}: ${hint(secret.value)}` });
    }
  }
  return found;
}

/** How `secret` shows in `text`, or undefined when it does not. */
export function formFound(
  text: string,
  secret: TestSecret,
): string | undefined {
  for (const [form, needle] of secretForms(secret)) {
    if (needle.length > 0 && text.includes(needle)) return form;
  }
  return undefined;
}

/** Each form a secret may take in output, as [name, text]. */
export function secretForms(secret: TestSecret): [string, string][] {
  const { value, user } = secret;
  const forms: [string, string][] = [['plain text', value]];
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) forms.push(['JSON-escaped', escaped]);
  forms.push(...base64Forms('base64', Buffer.from(value)));
  if (user !== undefined) {
    const pair = Buffer.from(`${user}:${value}`);
    forms.push(...base64Forms('base64 of user:secret', pair));
  }
  for (const shift of [0, 1, 2]) {
    const core = embeddedBase64(Buffer.from(value), shift);
    if (core.length >= MIN_EMBEDDED_BASE64) {
      forms.push(['base64, inside a longer value', core]);
      forms.push(['base64url, inside a longer value', toUrlSafe(core)]);
    }
  }
  return forms;
}

function base64Forms(name: string, bytes: Buffer): [string, string][] {
  const standard = bytes.toString('base64');
  return [
    [name, standard],
    [`${name} (unpadded)`, standard.replace(/=+$/, '')],
    [`${name.replace('base64', 'base64url')}`, bytes.toString('base64url')],
  ];
}

/**
 * The base64 characters that encode `bytes` whatever comes before and
 * after them, when `shift` bytes come before: encode behind `shift`
 * filler bytes, then drop the characters the filler or the unknown next
 * bytes touch.
 */
function embeddedBase64(bytes: Buffer, shift: number): string {
  const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
  const whole = Math.floor(padded.length / 3) * 3;
  const encoded = padded.subarray(0, whole).toString('base64');
  return encoded.slice(shift === 0 ? 0 : 4);
}

function toUrlSafe(base64: string): string {
  return base64.replaceAll('+', '-').replaceAll('/', '_');
}

/** A masked hint of a secret: its first character and its length. */
export function hint(value: string): string {
  return `${value.slice(0, 1)}${'*'.repeat(5)} (${value.length} chars)`;
}

function maskAll(text: string, secrets: readonly TestSecret[]): string {
  let masked = text;
  for (const { value } of secrets) masked = masked.replaceAll(value, '***');
  return masked;
}

function dedupe(leaks: readonly Leak[]): Leak[] {
  const seen = new Map<string, Leak>();
  for (const leak of leaks) {
    const key = JSON.stringify(leak);
    if (!seen.has(key)) seen.set(key, leak);
  }
  return [...seen.values()];
}

/** The report of a failed scan, one paragraph per leak. */
export function formatLeakReport(leaks: readonly Leak[]): string {
  const lines = [
    `Leak scan: ${leaks.length} secret(s) found in the product's output.`,
  ];
  for (const leak of leaks) {
    lines.push(
      '',
      `  ${leak.file}: ${leak.command}`,
      `    ${leak.stream} holds a secret as ${leak.form}`,
      `    the secret: ${leak.secret}`,
    );
  }
  return lines.join('\n');
}
