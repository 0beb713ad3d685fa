/**
 * Where a Bearer challenge's `realm` may send credentials. Docker sends the
 * password to any realm a registry names; regcred is stricter.
 *
 * NOTE: a password or refresh token goes to a token service only when the
 * realm is on the registry's own host name (any port, any scheme) or is
 * reached over https. A registry that names a plain-http realm on another
 * host is refused, where Docker would send the password there in the clear
 * (go-containerregistry and oras-go refuse such realms as well).
 *
 * A relative realm (`/token`) is an error, as in Docker, which cannot use
 * one either; here the message says so plainly.
 *
 * @module
 */
import { RegistryLoginError } from '../errors.js';
import { quoteServerText } from './server-text.js';
import { displayUrl } from './transport.js';

const SCHEME_REGEXP = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Checks the realm of a Bearer challenge and returns it as a URL.
 *
 * @param realm The challenge's `realm` parameter, if any.
 * @param registry The registry URL that sent the challenge.
 * @param sendsCredentials Whether a password or token will go to the realm.
 * @throws {RegistryLoginError} ERR_TOKEN_SERVICE when the realm is missing,
 *   relative, not http(s), or must not receive the credentials.
 */
export function checkRealm(
  realm: string | undefined,
  registry: URL,
  sendsCredentials: boolean,
): URL {
  const from = displayUrl(registry.href);
  if (realm === undefined || realm === '') {
    throw realmError(from, 'its Bearer challenge names no realm');
  }
  if (!SCHEME_REGEXP.test(realm)) {
    throw realmError(
      from,
      `its Bearer challenge names a relative realm '${quoteServerText(realm)}', ` +
        'which is not supported; the registry must name an absolute URL',
    );
  }
  const url = URL.canParse(realm) ? new URL(realm) : undefined;
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
    throw realmError(
      from,
      'its Bearer challenge names a realm that is no http(s) URL: ' +
        `'${quoteServerText(displayUrl(realm))}'`,
    );
  }

  const sameHost = url.hostname === registry.hostname;
  if (sendsCredentials && url.protocol === 'http:' && !sameHost) {
    throw realmError(
      from,
      `its token service ${quoteServerText(displayUrl(url.href))} is on another ` +
        'host and not reached over https, so regcred will not send it your ' +
        'credentials; configure the registry with an https realm',
    );
  }
  return url;
}

function realmError(registry: string, why: string): RegistryLoginError {
  return new RegistryLoginError(
    'ERR_TOKEN_SERVICE',
    `Cannot log in to ${registry}: ${why}`,
    { url: registry },
  );
}
