/**
 * regcred's version, shown by `--version` and sent in the User-Agent of
 * registry requests. A test keeps it equal to package.json's.
 *
 * @module
 */
export const VERSION = '0.1.0';
