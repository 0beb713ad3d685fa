/**
 * Reads a whole stream into memory, up to a size: what regcred reads from
 * stdin or a file (a password, a pull secret, a kubelet request) is small,
 * and more than the cap means the input is not what was asked for.
 *
 * @module
 */

/**
 * Reads `input` to its end.
 *
 * @returns the bytes, or undefined as soon as they pass `maxBytes` (the
 *   rest is not read).
 */
export async function readCapped(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
