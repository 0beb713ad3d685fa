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
    podman: { type: 'boolean' },
  },
  list: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  explain: {
    json: { type: 'boolean' },
  },
  login: {
    username: { type: 'string', short: 'u' },
    password: { type: 'string', short: 'p' },
    'password-stdin': { type: 'boolean' },
    'certs-dir': { type: 'string' },
  },
  logout: {
    all: { type: 'boolean' },
  },
  agent: {
    socket: { type: 'string' },
    allow: { type: 'string', multiple: true },
    'allow-uid': { type: 'string', multiple: true },
    'audit-file': { type: 'string' },
    'cache-ttl': { type: 'string' },
  },
  dind: {
    socket: { type: 'string' },
    'helper-dir': { type: 'string' },
    json: { type: 'boolean' },
  },
  k8s: {
    json: { type: 'boolean' },
    namespace: { type: 'string' },
  },
  'kubelet-credential-provider': {},
  migrate: {
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
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
  /** The command's own options (a list for a repeatable one). */
  options: Record<string, string | boolean | string[] | undefined>;
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
  const parsed = parseOrExplain(argv, { ...GLOBAL_OPTIONS, ...own }, name);

  // a command's own options belong after its name
  for (const token of parsed.tokens ?? []) {
    if (
      token.kind === 'option' &&
      token.name in own &&
      token.index < commandIndex
    ) {
      throw new UsageError(
        `The option '--${token.name}' is an option of '${name}'; ` +
          `put it after the command name: regcred ${name} --${token.name}`,
      );
    }
  }
  const values = parsed.values as Record<
    string,
    string | boolean | string[] | undefined
  >;
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
  values: Record<string, string | boolean | string[] | undefined>,
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

function parseOrExplain(
  argv: readonly string[],
  options: OptionSpecs,
  command: CommandName | undefined,
) {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, command));
  }
}

/** Words an argument error of node's parser for regcred's users. */
function describeParseError(
  error: unknown,
  command: CommandName | undefined,
): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ,]*)/.exec(String((error as Error).message))?.[1];
  const help = "Run 'regcred --help' for usage";
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const owners = commandsWithOption(option.replace(/^-+/, ''));
    const where =
      owners.length > 0
        ? `; it is an option of ${owners.map((c) => `'${c}'`).join(', ')}`
        : '';
    const of = command === undefined ? '' : ` for '${command}'`;
    return `Unknown option '${option}'${of}${where}. ${help}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return `The option '${option}' needs a value. ${help}`;
  }
  return `${String((error as Error).message).replace(/\.+$/, '')}. ${help}`;
}

function commandsWithOption(option: string): string[] {
  return Object.entries(COMMAND_OPTIONS)
    .filter(([, options]) => option in options)
    .map(([name]) => name);
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
