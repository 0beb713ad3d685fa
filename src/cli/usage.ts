/**
 * The CLI's help text and version.
 *
 * @module
 */

/** The package version, kept in step with package.json by a test. */
export { VERSION } from '../version.js';

/** `regcred --help`. */
export const USAGE = `Usage: regcred [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]

Docker's registry credentials, resolved exactly as the docker CLI does.

Commands:
  get REF              Print the credentials 'docker pull REF' would send,
                       as the JSON of its X-Registry-Auth header
  get --registry ADDR  The same for a registry address, read as
                       'docker login ADDR' reads it
  get --podman REF     What podman, skopeo and buildah would use instead:
                       containers' auth.json files first, then Docker's
  list                 Registries with stored credentials, user names and
                       stores (never a secret)
  explain [REF]        Where your login lives: user, config file, store,
                       helper, daemon, and what changes under sudo or in a
                       container
  login [SERVER]       Check credentials with the registry (Docker Hub
                       without SERVER) and store them where docker login
                       would: a credential helper, or config.json
  logout [SERVER]      Erase the stored credentials for SERVER (Docker Hub
                       without SERVER)
  logout --all         Erase every stored credential, in every store
  agent --allow REG    Serve the host's credentials for REG to containers
                       over a private unix socket, read-only (--socket
                       PATH, --allow-uid UID, --audit-file F, --cache-ttl S)
  dind                 Write the container helper and print how to mount
                       it (--helper-dir DIR, --socket PATH, --json)
  k8s secret NAME [REG...]
                       Print a kubernetes.io/dockerconfigjson Secret
                       (--namespace NS, --json); holds secrets
  k8s import FILE      Store the credentials of such a Secret ('-' reads
                       it from standard input)
  kubelet-credential-provider
                       The kubelet's image credential provider plugin:
                       a request on stdin, the answer on stdout
  migrate --to HELPER  Move plain-text credentials into a helper
                       (--dry-run shows the plan)

Command options (after the command name):
  --strict             get, list: treat a warning (a failing helper) as an
                       error: exit 1
  --json               list, explain, dind, k8s secret: machine-readable
                       output
  -u, --username USER  login: the user name (trimmed of spaces)
  -p, --password PW    login: the password (insecure: other users can see
                       it; prefer --password-stdin)
  --password-stdin     login: read the password or token from stdin; one
                       final line ending (LF, CRLF or CR) is dropped and
                       every other character kept (Docker 28.2.2 also
                       trims spaces; regcred does not)
  --certs-dir DIR      login: read registry CAs and client certificates
                       from DIR/HOST[:PORT]/ instead of /etc/docker/certs.d
                       (or $REGCRED_CERTS_DIR)
  --all                logout: every registry, every store

Login gives up on a registry or token service that has not answered a
request within 15 seconds ($REGCRED_LOGIN_TIMEOUT, in seconds).

Login without -u, -p or --password-stdin first tries the stored
credentials, then prompts (only on a terminal). Unlike Docker 28.2.2:
passwords are never trimmed; a stored identity token is re-used;
'logout docker.io' also erases the Docker Hub login; logout exits 1 when
a credential helper could not erase (Docker exits 0).

Global options (before or after the command name):
  --config DIR         Config directory (default: $DOCKER_CONFIG, else
                       $HOME/.docker)
  --helper-timeout S   Give up on a credential helper after S seconds
                       (default 30, or $REGCRED_HELPER_TIMEOUT)
  --debug              Diagnostics on stderr, secrets redacted
  -h, --help           This help
  -v, --version        The version

Examples:
  regcred login -u alice --password-stdin registry.example.com < pw.txt
  regcred login localhost:5000      # prompts on a terminal
  regcred logout registry.example.com
  regcred logout --all

Exit status: 0 success; 1 failure (or a warning with --strict), and the
argument checks login and logout share with Docker; 2 any other usage
error (an unknown option or command); 130 login prompt cancelled.
`;
