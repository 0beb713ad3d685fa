/**
 * IP address literals read as Go's `net.ParseIP` and `net.ParseCIDR` read
 * them, for the two places that ask "is this loopback?" and "is it in that
 * network?": which registries count as insecure, and which hosts bypass a
 * proxy. Written out here rather than taken from `node:net` so that these
 * checks are synchronous and cost nothing at the CLI's start-up.
 *
 * References:
 * - Go 1.24 `net/ip.go` (`ParseIP`, `IP.IsLoopback`, `IPNet.Contains`)
 *
 * @module
 */

/**
 * An address as bytes: 4 for IPv4 (and IPv4-mapped IPv6, as Go's `To4`
 * gives it), 16 for other IPv6.
 */
export type IpBytes = Uint8Array;

/** A network: an address and how many leading bits of it count. */
export interface IpNetwork {
  address: IpBytes;
  prefixLength: number;
}

const IPV4_PART_REGEXP = /^(?:0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP_REGEXP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Reads an IP literal as Go's `net.ParseIP` does: dotted-quad IPv4 without
 * leading zeros, or IPv6 (with `::` and a trailing dotted quad), no zone
 * and no brackets.
 *
 * @returns The address, or undefined when `text` is no IP literal.
 */
export function parseIp(text: string): IpBytes | undefined {
  if (text.includes(':')) return toIpv4IfMapped(parseIpv6(text));
  return parseIpv4(text);
}

/** Tells whether `address` is in 127.0.0.0/8 or is ::1 (Go's
 * `IsLoopback`). */
export function isLoopbackIp(address: IpBytes): boolean {
  if (address.length === 4) return address[0] === 127;
  return address.every((byte, index) => byte === (index === 15 ? 1 : 0));
}

/**
 * Reads a network in CIDR notation (`10.0.0.0/8`, `fd00::/8`) as Go's
 * `net.ParseCIDR` does.
 *
 * @returns The network, or undefined when `text` is no CIDR.
 */
export function parseCidr(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const addressText = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  const address = addressText.includes(':')
    ? parseIpv6(addressText)
    : parseIpv4(addressText);
  if (address === undefined || !/^(?:0|[1-9][0-9]*)$/.test(lengthText)) {
    return undefined;
  }
  const prefixLength = Number(lengthText);
  if (prefixLength > address.length * 8) return undefined;
  return { address, prefixLength };
}

/**
 * Tells whether `network` holds `address`. As in Go, an IPv4 address is
 * never inside an IPv6 network, nor the other way round.
 */
export function networkContains(network: IpNetwork, address: IpBytes): boolean {
  if (network.address.length !== address.length) return false;
  let bits = network.prefixLength;
  for (let index = 0; bits > 0; index += 1, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    const ours = network.address[index] ?? 0;
    const theirs = address[index] ?? 0;
    if ((ours & mask) !== (theirs & mask)) return false;
  }
  return true;
}

/** Tells whether two addresses are the same (Go's `IP.Equal`). */
export function sameIp(left: IpBytes, right: IpBytes): boolean {
  return (
    left.length === right.length &&
    left.every((byte, index) => byte === right[index])
  );
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [index, part] of parts.entries()) {
    if (!IPV4_PART_REGEXP.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[index] = value;
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? '', halves.length === 1);
  const tail =
    halves.length === 2 ? parseIpv6Groups(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;

  // `::` stands for at least one group of zeros
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];

  const bytes = new Uint8Array(16);
  for (const [index, group] of groups.entries()) {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  }
  return bytes;
}

/**
 * Reads colon-separated hex groups; when `mayEndInIpv4` the last one may
 * be a dotted quad, which counts as two groups.
 */
function parseIpv6Groups(
  text: string,
  mayEndInIpv4: boolean,
): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    if (last && mayEndInIpv4 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(
        ((ipv4[0] ?? 0) << 8) | (ipv4[1] ?? 0),
        ((ipv4[2] ?? 0) << 8) | (ipv4[3] ?? 0),
      );
    } else if (IPV6_GROUP_REGEXP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d, as Go's `To4` says. */
function toIpv4IfMapped(bytes: IpBytes | undefined): IpBytes | undefined {
  if (bytes === undefined) return undefined;
  const mapped =
    bytes.slice(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 0xff &&
    bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}
