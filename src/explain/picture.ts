/**
 * A small ASCII picture of this client, its config and helper, and the
 * daemon it talks to, marking where the credentials are: the seed
 * article's three places a `docker` command can run, made concrete for
 * this machine.
 *
 * @module
 */
import type { ExplainReport } from './report.js';

/** One line inside a box; `star` marks where credentials are. */
interface BoxLine {
  /** A short label, e.g. `config`; '' for none. */
  label: string;
  /** The value, shortened in the middle when it does not fit. */
  value: string;
  star: boolean;
}

const LABEL_WIDTH = 7;
const PLACE_WORDS = { host: 'a host', container: 'a container', vm: 'a VM' };

/** The inside width of both boxes, so the picture fits 76 columns. */
const WIDTH = 74;
const STAR = ' *';

/**
 * Draws the picture as lines of ASCII text, at most 76 columns wide: this
 * client above, the daemon below, credentials travelling down.
 *
 * @example
 * ```text
 * +- this client: a host, uid 1000 (ann) -----------------------------+
 * | config /home/ann/.docker/config.json                              |
 * | store  pass (configured)                                          |
 * | helper pass at /usr/bin/docker-credential-pass                  * |
 * +-------------------------------------------------------------------+
 *      |  sends the credentials with each pull, push and build
 *      v
 * +- daemon ----------------------------------------------------------+
 * | unix:///var/run/docker.sock (socket present)                      |
 * ```
 */
export function drawPicture(report: ExplainReport): string[] {
  const { environment: where, identity: who } = report;
  const place = PLACE_WORDS[where.place];
  const user = `uid ${who.uid ?? '?'} (${who.user ?? '?'})`;
  const client = `this client: ${place}, ${user}`;
  return [
    ...box(client, clientLines(report)),
    '     |  sends the credentials with each pull, push and build',
    '     v',
    ...box(`daemon${daemonPlace(report)}`, daemonLines(report)),
    `${STAR.trim()} where the credentials are; ` +
      'sudo -i and containers have their own',
  ];
}

function daemonPlace({ environment }: ExplainReport): string {
  if (environment.daemonInVm) return ' (in a Linux VM)';
  return environment.socketPath === null ? ' (over the network)' : '';
}

function clientLines({ config, lookup }: ExplainReport): BoxLine[] {
  const fromFile = lookup?.source === 'file' && lookup.passwordSet;
  const star = config.secretKeys.length > 0 || fromFile;
  const lines: BoxLine[] = [{ label: 'config', value: config.file, star }];
  if (config.credsStore !== null) {
    const value = `${config.credsStore} (${config.credsStoreSource})`;
    lines.push({ label: 'store', value, star: false });
  }
  for (const { name, path } of config.helpers) {
    const value = path ? `${name} at ${path}` : `${name}: MISSING from PATH`;
    lines.push({ label: 'helper', value, star: path !== null });
  }
  if (config.dockerAuthConfig.valid) {
    lines.push({ label: 'env', value: 'DOCKER_AUTH_CONFIG', star: true });
  }
  return lines;
}

function daemonLines({ environment }: ExplainReport): BoxLine[] {
  const socket =
    environment.socketExists === null
      ? 'not checked'
      : environment.socketExists
        ? 'socket present'
        : 'socket missing';
  const endpoint = environment.endpoint ?? 'unresolved context';
  return [
    { label: '', value: `${endpoint} (${socket})`, star: false },
    { label: '', value: 'reads no config.json', star: false },
  ];
}

function box(title: string, lines: BoxLine[]): string[] {
  const top = `+- ${fit(title, WIDTH - 3)} `.padEnd(WIDTH + 1, '-') + '+';
  const body = lines.map(({ label, value, star }) => {
    const room = WIDTH - 2 - (star ? STAR.length : 0);
    const head = label === '' ? '' : label.padEnd(LABEL_WIDTH);
    const text = head + fit(value, room - head.length);
    return `| ${text.padEnd(room)}${star ? STAR : ''} |`;
  });
  return [top, ...body, `+${'-'.repeat(WIDTH)}+`];
}

/** Shortens text to `width`, keeping its start and end (a path's tail). */
function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  const head = Math.ceil((width - 3) / 3);
  const tail = text.slice(text.length - (width - 3 - head));
  return `${text.slice(0, head)}...${tail}`;
}
