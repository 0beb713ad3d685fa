/**
 * The CLI's help text and version.
 *
 * @module
 */

/** The package version, kept in step with package.json by a test. */
export const VERSION = '0.1.0';

/** `regcred --help`. */
export const USAGE = `Usage: regcred [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]

Docker's registry credentials, resolved exactly as the docker CLI does.

Commands:
  get REF              Print the credentials 'docker pull REF' would send,
                       as the JSON of its X-Registry-Auth header
  get --registry ADDR  The same for a registry address, read as
                       'docker login ADDR' reads it
  list                 Registries with stored credentials, user names and
                       stores (never a secret)
  explain [REF]        Where your login lives: user, config file, store,
                       helper, daemon, and what changes under sudo or in a
                       container

Command options (after the command name):
  --strict             get, list: treat a warning (a failing helper) as an
                       error: exit 1
  --json               list, explain: machine-readable output

Global options (before or after the command name):
  --config DIR         Config directory (default: $DOCKER_CONFIG, else
                       $HOME/.docker)
  --helper-timeout S   Give up on a credential helper after S seconds
                       (default 30, or $REGCRED_HELPER_TIMEOUT)
  --debug              Diagnostics on stderr, secrets redacted
  -h, --help           This help
  -v, --version        The version

Exit status: 0 success, 1 failure (or a warning with --strict), 2 usage.
`;
