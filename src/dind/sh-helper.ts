/**
 * The `docker-credential-regcred` helper as a POSIX `sh` script, for
 * images without Node (`docker:cli` and other busybox images). It forwards
 * `get` and `list` to the regcred agent on the host over the unix socket
 * named by `REGCRED_AGENT_SOCK`, using whichever of `curl --unix-socket`,
 * `socat` or `nc -U` the image has, and refuses `store` and `erase`.
 *
 * The agent's protocol is docs/agent-protocol.md. The script sends
 * HTTP/1.0 so that the agent answers without chunked encoding and closes
 * the connection after the body: the body is then simply everything after
 * the blank line that ends the headers.
 *
 * The answer to `get` holds a secret. The script only moves it through
 * pipes and its own builtins (`read`, `printf`) and `cat` without
 * arguments, never through another program's argv.
 *
 * @module
 */
import {
  HELPER_NOT_FOUND_MESSAGE,
  MISSING_SERVER_URL_MESSAGE,
} from '../stores/helper-protocol.js';
import { VERSION } from '../version.js';

/** The first line after the shebang: marks a file as written by regcred,
 * so that `regcred dind` overwrites only its own helper. */
export const SH_HELPER_MARKER =
  '# docker-credential-regcred (sh), written by `regcred dind`';

/** How long a client waits for the agent, in seconds; the agent answers
 * with 504 before this when the host's own helper hangs. */
const CLIENT_TIMEOUT_SECONDS = 60;

/**
 * Returns the text of the sh helper script.
 *
 * @param version - the version the script reports for `version`
 * @param timeoutSeconds - how long a client waits for the agent
 * @returns the script, starting with `#!/bin/sh`
 */
export function shHelperScript(
  version: string = VERSION,
  timeoutSeconds: number = CLIENT_TIMEOUT_SECONDS,
): string {
  return SCRIPT_TEMPLATE.replaceAll('@MARKER@', SH_HELPER_MARKER)
    .replaceAll('@VERSION@', version.replace(/[^0-9A-Za-z.+-]/g, ''))
    .replaceAll('@TIMEOUT@', String(Math.max(1, Math.ceil(timeoutSeconds))))
    .replaceAll('@NOT_FOUND@', HELPER_NOT_FOUND_MESSAGE)
    .replaceAll('@NO_URL@', MISSING_SERVER_URL_MESSAGE);
}

// The script. No "${" in it (this is a JS template) and no backquotes;
// every message goes to stdout, as Docker shows a helper's stdout in its
// error.
const SCRIPT_TEMPLATE = String.raw`#!/bin/sh
@MARKER@
#
# A Docker credential helper that asks the regcred agent on the host:
# the container never holds a copy of your credentials. Read-only.
#   get    forwards the server URL (stdin) to POST /v1/get
#   list   asks GET /v1/list
#   store, erase  are refused: log in and out on the host
# Needs REGCRED_AGENT_SOCK (the agent's socket, mounted) and one of
# curl, socat or nc with -U (netcat-openbsd). The answer holds a secret:
# it only flows through pipes, read, printf and cat, never through argv.

NOT_FOUND='@NOT_FOUND@'
VERSION='@VERSION@'
TIMEOUT=@TIMEOUT@
CR=$(printf '\r')

fail() {
	printf '%s\n' "$*"
	exit 1
}

usage() {
	echo 'Usage: docker-credential-regcred <store|get|erase|list|version>'
}

# Sets SOCK from REGCRED_AGENT_SOCK, or fails saying what to do.
find_socket() {
	SOCK=$REGCRED_AGENT_SOCK
	if [ -z "$SOCK" ]; then
		fail "REGCRED_AGENT_SOCK is not set: mount the socket of" \
			"'regcred agent' into the container and set" \
			"REGCRED_AGENT_SOCK to its path there" \
			"('regcred dind' on the host prints the flags)"
	fi
	if [ ! -S "$SOCK" ]; then
		fail "No socket at REGCRED_AGENT_SOCK=$SOCK: start" \
			"'regcred agent --allow REGISTRY' on the host and mount" \
			"its socket there"
	fi
	# access(2) honours the ACL that the agent's --allow-uid grants
	if [ ! -w "$SOCK" ]; then
		fail "uid $(id -u 2>/dev/null) may not use the agent's socket" \
			"$SOCK: start 'regcred agent' with --allow-uid" \
			"$(id -u 2>/dev/null), or run the container as the agent's user"
	fi
}

# Sets CLIENT to the first of curl, socat, nc (with -U) on PATH.
find_client() {
	if command -v curl >/dev/null 2>&1; then
		CLIENT=curl
	elif command -v socat >/dev/null 2>&1; then
		CLIENT=socat
	elif command -v nc >/dev/null 2>&1 && nc_has_unix; then
		CLIENT=nc
	else
		fail "docker-credential-regcred needs curl, socat or nc with" \
			"-U (netcat-openbsd) to reach the regcred agent, and none" \
			"is on PATH: install one, e.g. 'apk add curl' (Alpine) or" \
			"'apt-get install -y curl' (Debian, Ubuntu)"
	fi
}

# busybox nc has no -U; netcat-openbsd lists it in its usage.
nc_has_unix() {
	case $(nc -h 2>&1) in
	*-U*) return 0 ;;
	*) return 1 ;;
	esac
}

# request METHOD PATH LENGTH: sends stdin (LENGTH bytes) as the body of a
# POST and writes the raw answer (status line, headers, body) to stdout.
request() {
	case $CLIENT in
	curl) request_curl "$@" ;;
	socat)
		# shut-none: a half-closed request could end the agent's answer
		{ request_head "$@" && cat; } |
			socat -t "$TIMEOUT" - "UNIX-CONNECT:$SOCK,shut-none"
		;;
	nc)
		# without -N, nc keeps the socket open until the agent closes it;
		# -w: an agent that never answers is given up after TIMEOUT
		{ request_head "$@" && cat; } | nc -w "$TIMEOUT" -U "$SOCK"
		;;
	esac
}

# -q: no ~/.curlrc; HTTP/1.0: the agent closes after the body
request_curl() {
	method=$1
	path=$2
	if [ "$method" = POST ]; then
		set -- -H 'Content-Type: text/plain' --data-binary @-
	else
		set --
	fi
	curl -q -sS -i --http1.0 --noproxy '*' --max-time "$TIMEOUT" \
		--unix-socket "$SOCK" -X "$method" "$@" "http://localhost$path"
}

request_head() {
	printf '%s %s HTTP/1.0\r\nHost: localhost\r\n' "$1" "$2"
	if [ "$1" = POST ]; then
		printf 'Content-Type: text/plain\r\nContent-Length: %s\r\n' "$3"
	fi
	printf '\r\n'
}

# answer ACTION: reads the raw answer on stdin; prints the body of a 200,
# Docker's not-found sentence for a 404 to get, else the agent's message.
answer() {
	if ! read -r _ status _; then
		fail "No answer from the regcred agent at $SOCK: is" \
			"'regcred agent' still running on the host? (a restarted" \
			"agent needs the container restarted too; a container" \
			"running as another uid needs the agent's --allow-uid)"
	fi
	while IFS= read -r line; do
		case $line in "" | "$CR") break ;; esac
	done
	case $status in
	200 | 200"$CR")
		cat
		exit 0
		;;
	404 | 404"$CR")
		if [ "$1" = get ]; then fail "$NOT_FOUND"; fi
		;;
	esac
	message=$(cat)
	if [ -z "$message" ]; then message="HTTP status $status"; fi
	fail "regcred agent: $message"
}

if [ $# -ne 1 ]; then
	usage
	exit 1
fi
case $1 in
get)
	# the server URL: Docker writes it without a newline
	url=$(cat)
	if [ -z "$url" ]; then fail '@NO_URL@'; fi
	find_socket
	find_client
	length=$(printf '%s' "$url" | wc -c)
	printf '%s' "$url" | request POST /v1/get $((length)) | answer get
	;;
list)
	cat >/dev/null
	find_socket
	find_client
	request GET /v1/list 0 </dev/null | answer list
	;;
store | erase)
	cat >/dev/null
	fail "docker-credential-regcred cannot $1: it forwards lookups to" \
		"the regcred agent on the host, which is read-only; log in or" \
		"out on the host with 'regcred login' or 'docker login'"
	;;
version | --version | -v)
	printf 'docker-credential-regcred (regcred) %s (sh)\n' "$VERSION"
	;;
--help | -h)
	usage
	;;
*)
	usage
	fail "unknown credential action: $1"
	;;
esac
`;
