/**
 * Reads the command line: global options anywhere, a command name, and
 * the command's own options after it.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Options that apply to every command, before or after its name. */
export const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  'helper-timeout': { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies OptionSpecs;

/** Each command's own options, allowed only after the command name. */
export const COMMAND_OPTIONS = {
  get: {
    registry: { type: 'string' },
    strict: { type: 'boolean' },
  },
  list: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  explain: {
    json: { type: 'boolean' },
  },
  help: {},
} as const satisfies Record<string, OptionSpecs>;

/** A command regcred knows. */
export type CommandName = keyof typeof COMMAND_OPTIONS;

/** The global options as given. */
export interface GlobalOptions {
  config?: string;
  helperTimeout?: string;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/** A command line, read. */
export interface CommandLine {
  command: CommandName | undefined;
  global: GlobalOptions;
  /** The command's own options. */
  options: Record<string, string | boolean | undefined>;
  /** Arguments after the command name. */
  positionals: string[];
}

/**
 * Parses `argv` (without node and the script).
 *
 * @throws {UsageError} for an unknown command or option, a missing value,
 *   or a command option placed before the command name.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const commandIndex = findCommandIndex(argv);
  const name = commandIndex === -1 ? undefined : argv[commandIndex];
  if (name !== undefined && !isCommandName(name)) {
    throw new UsageError(
      `Unknown command '${name}'. Commands: ${Object.keys(COMMAND_OPTIONS).join(', ')}`,
    );
  }
  const own: OptionSpecs = name === undefined ? {} : COMMAND_OPTIONS[name];
  const parsed = parseOrExplain(argv, { ...GLOBAL_OPTIONS, ...own });

  // a command's own options belong after its name
  for (const token of parsed.tokens ?? []) {
    if (
      token.kind === 'option' &&
      token.name in own &&
      token.index < commandIndex
    ) {
      throw new UsageError(
        `The option '--${token.name}' belongs to '${name}'; put it after the command name`,
      );
    }
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options: CommandLine['options'] = {};
  for (const key of Object.keys(own)) options[key] = values[key];
  return {
    command: name,
    global: readGlobals(values),
    options,
    positionals: parsed.positionals.slice(name === undefined ? 0 : 1),
  };
}

function readGlobals(
  values: Record<string, string | boolean | undefined>,
): GlobalOptions {
  const global: GlobalOptions = {
    debug: values.debug === true,
    help: values.help === true,
    version: values.version === true,
  };
  if (typeof values.config === 'string') global.config = values.config;
  if (typeof values['helper-timeout'] === 'string') {
    global.helperTimeout = values['helper-timeout'];
  }
  return global;
}

function parseOrExplain(argv: readonly string[], options: OptionSpecs) {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}. Run 'regcred --help' for usage`);
  }
}

/** Finds the command name: the first argument that is not an option or
 * the value of a global option. */
function findCommandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    const name = arg.replace(/^--?/, '');
    const spec = (GLOBAL_OPTIONS as OptionSpecs)[name];
    if (spec?.type === 'string' && !arg.includes('=')) i++;
  }
  return -1;
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}
