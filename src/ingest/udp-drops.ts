import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for the UDP socket bound to `port` because its receive buffer was
 * full — syslog senders never hear of them, and the listener never reads them. Linux keeps the count
 * per socket in /proc/net/udp (udp6 for IPv6), in the last column; undefined where it cannot be read
 * (another system) or no socket has the port.
 */
export function udpKernelDrops(port: number, ipv6: boolean): number | undefined {
  let table: string;
  try {
    table = readFileSync(ipv6 ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let drops: number | undefined;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    if (fields.length < 13 || fields[1]?.split(':')[1] !== hex) continue;
    drops = (drops ?? 0) + Number(fields.at(-1));
  }
  return drops;
}
