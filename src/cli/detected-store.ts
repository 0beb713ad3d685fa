/**
 * Why a helper nobody configured was asked to store or erase: Docker's
 * default-store detection picked it (`pass` on PATH, say), which surprises
 * most people it happens to. Shared by the commands that write.
 *
 * @module
 */
import type { CredentialWriterOptions } from '../stores/credential-writer.js';

/** The hint to add to a helper failure, or '' when the user chose the
 * store. `key` is the auths key the failed credential belongs to. */
export function detectedStoreHint(
  writer: CredentialWriterOptions,
  key: string,
): string {
  const { settings, configPath } = writer;
  if (!settings.credsStoreDetected) return '';
  return (
    `\nNo credential store is configured, so regcred, like Docker, uses ` +
    `'${settings.credsStore}', found on PATH. Set that store up ` +
    `(for pass: 'pass init GPG-KEY-ID'), or keep credentials in ` +
    `${configPath} instead by adding an entry there: ` +
    `{"auths":{"${key}":{}}} turns the detection off. ` +
    "'regcred explain' shows the details"
  );
}
