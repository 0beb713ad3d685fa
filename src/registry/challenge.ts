/**
 * `WWW-Authenticate` challenges, read exactly as Docker's registry client
 * reads them: only from a 401 answer, one challenge per header line, the
 * scheme lowercased, parameters as `key=token` or `key="quoted"`.
 *
 * The grammar Docker's parser accepts (a narrow reading of RFC 7235 §4.1):
 *
 * ```
 * challenge = scheme [ *SP param ] *( *SP "," *SP param )
 * param     = token "=" ( token / quoted-string )
 * token     = 1*<any CHAR except CTLs or separators>
 * ```
 *
 * Parsing stops quietly at the first thing that does not fit, keeping what
 * was read so far, so `Basic realm="a", Bearer realm="b"` on one line is one
 * Basic challenge. Several challenges arrive as several header lines.
 *
 * References:
 * - docker/distribution v2.8 `registry/client/auth/challenge/authchallenge.go`
 *   (`ResponseChallenges`, `parseValueAndParams`), as vendored by moby 28
 * - RFC 7235 §4.1, RFC 2616 §2.2 (token, separators)
 *
 * @module
 */

/** One challenge: an auth scheme and its parameters. */
export interface Challenge {
  /** The scheme, lowercased: `basic`, `bearer`, ... */
  scheme: string;
  /** The parameters, keys lowercased, values as sent; a repeated key
   * keeps its last value. */
  parameters: Map<string, string>;
}

const SEPARATORS = ' \t"(),/:;<=>?@[]\\{}';
const SPACES = ' \t\r\n';

/**
 * Reads the challenges of an HTTP answer. Only a 401 carries challenges, as
 * in Docker; any other status gives none.
 *
 * @param status The HTTP status code.
 * @param header The `WWW-Authenticate` header: absent, one line, or one
 *   string per line.
 *
 * @example
 * ```ts
 * challengesOf(401, 'Bearer realm="https://auth.example/token"');
 * // [{ scheme: 'bearer', parameters: Map { 'realm' => 'https://…' } }]
 * ```
 */
export function challengesOf(
  status: number,
  header: string | string[] | undefined,
): Challenge[] {
  if (status !== 401 || header === undefined) return [];
  const lines = typeof header === 'string' ? [header] : header;
  const challenges: Challenge[] = [];
  for (const line of lines) {
    const challenge = parseChallenge(line);
    if (challenge !== undefined) challenges.push(challenge);
  }
  return challenges;
}

/**
 * Reads one `WWW-Authenticate` line.
 *
 * @returns The challenge, or undefined when the line does not start with a
 *   scheme token.
 */
export function parseChallenge(line: string): Challenge | undefined {
  const [scheme, afterScheme] = readToken(line);
  if (scheme === '') return undefined;
  const parameters = new Map<string, string>();

  let rest = ',' + skipSpaces(afterScheme);
  while (rest.startsWith(',')) {
    const [key, afterKey] = readToken(skipSpaces(rest.slice(1)));
    if (key === '' || !afterKey.startsWith('=')) break;
    const [value, afterValue] = readTokenOrQuoted(afterKey.slice(1));
    if (value === '') break;
    parameters.set(key.toLowerCase(), value);
    rest = skipSpaces(afterValue);
  }
  return { scheme: scheme.toLowerCase(), parameters };
}

function isTokenCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  return code > 31 && code < 127 && !SEPARATORS.includes(character);
}

function skipSpaces(text: string): string {
  let index = 0;
  while (index < text.length && SPACES.includes(text.charAt(index))) {
    index += 1;
  }
  return text.slice(index);
}

/** Splits a leading token off `text`: [token, rest]. */
function readToken(text: string): [string, string] {
  let index = 0;
  while (index < text.length && isTokenCharacter(text.charAt(index))) {
    index += 1;
  }
  return [text.slice(0, index), text.slice(index)];
}

/**
 * Splits a leading token or quoted string off `text`: [value, rest]. A
 * backslash keeps the character after it; an unterminated quote gives
 * ['', ''], which ends the parse.
 */
function readTokenOrQuoted(text: string): [string, string] {
  if (!text.startsWith('"')) return readToken(text);
  let value = '';
  for (let index = 1; index < text.length; index += 1) {
    const character = text.charAt(index);
    if (character === '"') return [value, text.slice(index + 1)];
    if (character === '\\') index += 1;
    value += text.charAt(index);
  }
  return ['', ''];
}
