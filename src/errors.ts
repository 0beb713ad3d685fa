/**
 * Errors thrown or returned by regcred. Every class carries a stable `code`
 * that programs can branch on; messages say what was attempted, on what, why
 * it failed and what to do next. No message ever holds a secret.
 *
 * @module
 */
import {
  displayText,
  escapeControlCharacters,
} from './internal/control-characters.js';

/** Stable error codes, one per condition a caller may want to handle. */
export type ErrorCode =
  | 'ERR_CONFIG_PARSE'
  | 'ERR_CONFIG_READ'
  | 'ERR_INVALID_REFERENCE'
  | 'ERR_INVALID_ADDRESS'
  | 'ERR_HELPER_NOT_FOUND'
  | 'ERR_HELPER_FAILED'
  | 'ERR_HELPER_OUTPUT'
  | 'ERR_HELPER_TIMEOUT'
  | 'ERR_OUTPUT'
  | 'ERR_USAGE'
  | 'ERR_CONFIG_WRITE'
  | 'ERR_LOGIN_UNAUTHORIZED'
  | 'ERR_LOGIN_FAILED'
  | 'ERR_REGISTRY_UNREACHABLE'
  | 'ERR_TLS'
  | 'ERR_TOKEN_SERVICE'
  | 'ERR_INTERACTIVE'
  | 'ERR_AGENT';

/** Base class of every error regcred produces. */
export class RegcredError extends Error {
  /** A stable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RegcredError';
    this.code = code;
  }
}

/** Where in a file a parse error was found. */
export interface FilePosition {
  /** Byte offset into the file, from 0. */
  offset: number;
  /** Line number, from 1. */
  line: number;
  /** Column number, from 1, counted in characters. */
  column: number;
}

/** A config file exists but its content cannot be used. */
export class ConfigParseError extends RegcredError {
  /** The file that could not be parsed. */
  readonly path: string;
  /** Where the problem is, when it is tied to a position. */
  readonly position: FilePosition | undefined;

  constructor(
    path: string,
    detail: string,
    position?: FilePosition,
    options?: ErrorOptions,
  ) {
    const where = position
      ? ` at line ${position.line}, column ${position.column}`
      : '';
    super(
      'ERR_CONFIG_PARSE',
      `Cannot parse config file '${path}'${where}: ${detail}. ` +
        'Fix or move the file; regcred will not read or overwrite it until then',
      options,
    );
    this.name = 'ConfigParseError';
    this.path = path;
    this.position = position;
  }
}

/** A config file exists but cannot be read (permissions, a directory). */
export class ConfigReadError extends RegcredError {
  /** The file that could not be read. */
  readonly path: string;

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(
      'ERR_CONFIG_READ',
      `Cannot read config file '${path}': ${detail}`,
      options,
    );
    this.name = 'ConfigReadError';
    this.path = path;
  }
}

/** An image reference that Docker would reject. */
export class InvalidReferenceError extends RegcredError {
  /** The reference as given. */
  readonly reference: string;

  constructor(reference: string, reason: string) {
    super(
      'ERR_INVALID_REFERENCE',
      // the reason may quote part of the reference
      `Invalid image reference '${displayText(reference)}': ` +
        escapeControlCharacters(reason),
    );
    this.name = 'InvalidReferenceError';
    this.reference = reference;
  }
}

/** A registry address that cannot be used as one. */
export class InvalidAddressError extends RegcredError {
  /** The address as given. */
  readonly address: string;

  constructor(address: string, reason: string) {
    super(
      'ERR_INVALID_ADDRESS',
      // the reason may quote the address as normalised
      `Invalid registry address '${displayText(address)}': ` +
        escapeControlCharacters(reason),
    );
    this.name = 'InvalidAddressError';
    this.address = address;
  }
}

/** The credential-helper actions of the docker-credential-* protocol. */
export type HelperAction = 'get' | 'store' | 'erase' | 'list';

/** Why a helper call failed. */
export type HelperFailureReason =
  /** `docker-credential-NAME` is not on PATH or cannot be executed. */
  | 'not-found'
  /** The helper exited non-zero (not with the not-found answer). */
  | 'exit'
  /** The helper exited 0 but its output breaks the protocol. */
  | 'bad-output'
  /** The helper printed more than regcred accepts. */
  | 'too-large'
  /** The helper did not answer within the timeout. */
  | 'timeout';

const REASON_CODES: Record<HelperFailureReason, ErrorCode> = {
  'not-found': 'ERR_HELPER_NOT_FOUND',
  exit: 'ERR_HELPER_FAILED',
  'bad-output': 'ERR_HELPER_OUTPUT',
  'too-large': 'ERR_HELPER_OUTPUT',
  timeout: 'ERR_HELPER_TIMEOUT',
};

/** Details of a failed helper call; see {@link HelperError}. */
export interface HelperFailure {
  /** The helper's name, without the `docker-credential-` prefix. */
  helper: string;
  /** The action that was attempted. */
  action: HelperAction;
  /** The server address sent to the helper (empty for `list`). */
  serverAddress: string;
  /** Why it failed. */
  reason: HelperFailureReason;
  /** What happened, in words, never holding a secret. */
  detail: string;
}

/** A credential helper could not be run or broke the protocol. */
export class HelperError extends RegcredError implements HelperFailure {
  readonly helper: string;
  readonly action: HelperAction;
  readonly serverAddress: string;
  readonly reason: HelperFailureReason;
  readonly detail: string;

  constructor(failure: HelperFailure, options?: ErrorOptions) {
    // the helper's name and the address come from config.json or a user
    const helper = escapeControlCharacters(failure.helper);
    const target = failure.serverAddress
      ? ` for '${escapeControlCharacters(failure.serverAddress)}'`
      : '';
    super(
      REASON_CODES[failure.reason],
      `Credential helper 'docker-credential-${helper}' failed to ` +
        `${failure.action}${target}: ${failure.detail}`,
      options,
    );
    this.name = 'HelperError';
    this.helper = failure.helper;
    this.action = failure.action;
    this.serverAddress = failure.serverAddress;
    this.reason = failure.reason;
    this.detail = failure.detail;
  }
}

/** The CLI could not write its result (a full disk, a closed file). */
export class OutputError extends RegcredError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_OUTPUT', message, options);
    this.name = 'OutputError';
  }
}

/** The command line was not understood. */
export class UsageError extends RegcredError {
  constructor(message: string) {
    super('ERR_USAGE', message);
    this.name = 'UsageError';
  }
}

/** config.json could not be written; the old file is left as it was. */
export class ConfigWriteError extends RegcredError {
  /** The file that was to be written. */
  readonly path: string;

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super('ERR_CONFIG_WRITE', `Cannot write ${path}: ${detail}`, options);
    this.name = 'ConfigWriteError';
    this.path = path;
  }
}

/** Why a registry login failed; see {@link RegistryLoginError}. */
export type LoginFailureCode = Extract<
  ErrorCode,
  | 'ERR_LOGIN_UNAUTHORIZED'
  | 'ERR_LOGIN_FAILED'
  | 'ERR_REGISTRY_UNREACHABLE'
  | 'ERR_TLS'
  | 'ERR_TOKEN_SERVICE'
>;

/**
 * A registry (or its token service) refused a login, or could not be
 * reached. The message names the URL tried and, for a refusal, quotes the
 * registry's own words; it never holds the password or a token.
 */
export class RegistryLoginError extends RegcredError {
  /** The URL whose answer decided the failure. */
  readonly url: string;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;

  constructor(
    code: LoginFailureCode,
    message: string,
    details: { url: string; status?: number },
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'RegistryLoginError';
    this.url = details.url;
    this.status = details.status;
  }
}

/** A prompt was needed but there is no terminal to ask on. */
export class InteractiveLoginError extends RegcredError {
  constructor(message: string) {
    super('ERR_INTERACTIVE', message);
    this.name = 'InteractiveLoginError';
  }
}

/**
 * A check Docker's `login` or `logout` makes on its own flags failed (a
 * conflict, an empty value, a second SERVER). The message is Docker's,
 * and so is the exit status: 1, where regcred's other usage errors give 2.
 */
export class LoginFlagError extends RegcredError {
  constructor(message: string) {
    super('ERR_USAGE', message);
    this.name = 'LoginFlagError';
  }
}
