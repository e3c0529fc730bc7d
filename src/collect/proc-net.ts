/**
 * Parsers of the Linux kernel's network counters, over text so they can be tested with fixture
 * output, and `CounterDelta`, which turns cumulative counters into per-interval increases.
 *
 * Sources, and what each raw figure means (all cumulative, as the kernel keeps them):
 *
 * - `/proc/net/dev` (`parseNetDev`): per interface since it was created, `rxBytes` / `txBytes`
 *   = bytes received / transmitted at the device, link-layer headers included (Ethernet
 *   header, not the preamble or FCS); `rxPackets` / `txPackets` = packets (frames). Loopback
 *   traffic is counted once on `lo`, as received and as transmitted. Only the interfaces of
 *   the process's network namespace are listed (in a container: the container's).
 * - `/proc/net/snmp` (`parseSnmp`): the kernel's SNMP MIB counters since boot, network
 *   namespace wide — TCP's for IPv4 and IPv6 together (Linux keeps one TCP MIB), UDP's and
 *   ICMP's for IPv4 only (IPv6's are in `/proc/net/snmp6`): `Tcp InSegs` / `OutSegs`
 *   (segments received / sent, retransmissions excluded from OutSegs), `RetransSegs`
 *   (segments retransmitted), `ActiveOpens` (connections this host opened), `CurrEstab`
 *   (connections now ESTABLISHED or CLOSE-WAIT — a gauge, not a counter); `Udp InDatagrams`
 *   / `OutDatagrams` / `InErrors`; `Icmp InMsgs` / `OutMsgs`. The kernel counts segments,
 *   datagrams and messages per protocol, not bytes.
 * - `ss -tin` (`parseSsTcpInfo`): one entry per TCP socket that is not listening, from the
 *   kernel's `tcp_info`: `bytesAcked` = bytes sent and acknowledged by the peer
 *   (tcpi_bytes_acked, Linux ≥ 4.1), `bytesReceived` = bytes received in order
 *   (tcpi_bytes_received, ≥ 4.1), `bytesSent` = bytes sent including retransmissions
 *   (tcpi_bytes_sent, ≥ 4.19; null when absent) — each since the connection was opened.
 *
 * Counters are parsed as `bigint` because the kernel keeps them as unsigned 64-bit integers,
 * beyond a double's 2^53; `CounterDelta` hands back increases as numbers.
 * @module
 */

/** A line a parser could not use, and why. */
export interface SkippedLine {
  /** The line as it was (trimmed). */
  line: string;
  /** Why it was not used. */
  reason: string;
}

/** One interface's cumulative counters from `/proc/net/dev`. */
export interface InterfaceCounters {
  /** The interface name, e.g. `eth0`, `lo`. */
  name: string;
  /** Bytes received. */
  rxBytes: bigint;
  /** Packets received. */
  rxPackets: bigint;
  /** Bytes transmitted. */
  txBytes: bigint;
  /** Packets transmitted. */
  txPackets: bigint;
}

const UNSIGNED = /^\d+$/;

/**
 * Parses `/proc/net/dev`: the two header lines are recognised and dropped; a line without
 * `name:` and 16 unsigned numbers is skipped with a reason.
 */
export function parseNetDev(text: string): { interfaces: InterfaceCounters[]; skipped: SkippedLine[] } {
  const interfaces: InterfaceCounters[] = [];
  const skipped: SkippedLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('Inter-|') || line.startsWith('face |')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      skipped.push({ line, reason: 'no "interface:" prefix' });
      continue;
    }
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (fields.length < 16 || !fields.slice(0, 16).every((f) => UNSIGNED.test(f))) {
      skipped.push({ line, reason: 'expected 16 unsigned counters after the interface name' });
      continue;
    }
    interfaces.push({
      name: line.slice(0, colon).trim(),
      rxBytes: BigInt(fields[0]),
      rxPackets: BigInt(fields[1]),
      txBytes: BigInt(fields[8]),
      txPackets: BigInt(fields[9]),
    });
  }
  return { interfaces, skipped };
}

/** `/proc/net/snmp` as protocol → field → value, e.g. `Tcp.InSegs`. Values may be negative (`Tcp MaxConn` is -1). */
export type SnmpTable = Record<string, Record<string, bigint>>;

/**
 * Parses `/proc/net/snmp`, whose lines come in pairs: `Proto: Name1 Name2 …` then
 * `Proto: v1 v2 …`. A pair whose protocols differ, whose lengths differ or whose values are not
 * integers is skipped with a reason.
 */
export function parseSnmp(text: string): { table: SnmpTable; skipped: SkippedLine[] } {
  const table: SnmpTable = {};
  const skipped: SkippedLine[] = [];
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (let i = 0; i < lines.length; i += 2) {
    const header = lines[i];
    const values = lines[i + 1];
    if (values === undefined) {
      skipped.push({ line: header, reason: 'header line without a value line' });
      break;
    }
    const [hp, ...names] = header.split(/\s+/);
    const [vp, ...nums] = values.split(/\s+/);
    if (!hp.endsWith(':') || hp !== vp) {
      skipped.push({ line: header, reason: `header and value lines name different protocols (${hp} / ${vp})` });
      // resynchronise: the value line may be the next pair's header
      i -= 1;
      continue;
    }
    if (names.length !== nums.length || !nums.every((n) => /^-?\d+$/.test(n))) {
      skipped.push({ line: values, reason: `${names.length} names but ${nums.length} values, or a non-integer value` });
      continue;
    }
    const row: Record<string, bigint> = {};
    names.forEach((name, k) => (row[name] = BigInt(nums[k])));
    table[hp.slice(0, -1)] = row;
  }
  return { table, skipped };
}

/** One TCP connection from `ss -tin`; byte counts are cumulative since the connection opened. */
export interface TcpConnection {
  /** The socket state, e.g. `ESTAB`, `CLOSE-WAIT`. */
  state: string;
  /** Local address and port as ss prints them, e.g. `127.0.0.1:8080`, `[::1]:8080`. */
  local: string;
  /** Peer address and port. */
  peer: string;
  /** Bytes sent and acknowledged (tcpi_bytes_acked). */
  bytesAcked: bigint;
  /** Bytes received in order (tcpi_bytes_received). */
  bytesReceived: bigint;
  /** Bytes sent including retransmissions (tcpi_bytes_sent); null on kernels before 4.19. */
  bytesSent: bigint | null;
}

const SS_SOCKET_LINE = /^(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)/;

function ssField(info: string, name: string): bigint | null {
  const m = new RegExp(`(?:^|\\s)${name}:(\\d+)`).exec(info);
  return m ? BigInt(m[1]) : null;
}

/**
 * Parses `ss -tin` output: a header line (dropped), then per socket a line
 * `State Recv-Q Send-Q Local Peer [Process]` followed by indented `tcp_info` lines. A socket
 * without bytes_acked and bytes_received (a kernel before 4.1, or a socket in SYN-SENT) is
 * skipped with a reason, as is an indented line with no socket before it or any other line.
 */
export function parseSsTcpInfo(text: string): { connections: TcpConnection[]; skipped: SkippedLine[] } {
  const sockets: { head: string; state: string; local: string; peer: string; info: string }[] = [];
  const skipped: SkippedLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    if (/^\s/.test(raw)) {
      const last = sockets.at(-1);
      if (last === undefined) skipped.push({ line: raw.trim(), reason: 'tcp_info line before any socket line' });
      else last.info += ` ${raw.trim()}`;
      continue;
    }
    if (raw.startsWith('State ') || raw.startsWith('Netid ')) continue;
    const m = SS_SOCKET_LINE.exec(raw);
    if (m === null) {
      skipped.push({ line: raw.trim(), reason: 'not a socket line (State Recv-Q Send-Q Local Peer)' });
      continue;
    }
    sockets.push({ head: raw.trim(), state: m[1], local: m[2], peer: m[3], info: '' });
  }
  const connections: TcpConnection[] = [];
  for (const s of sockets) {
    const bytesAcked = ssField(s.info, 'bytes_acked');
    const bytesReceived = ssField(s.info, 'bytes_received');
    if (bytesAcked === null || bytesReceived === null) {
      skipped.push({ line: s.head, reason: 'no bytes_acked / bytes_received in its tcp_info' });
      continue;
    }
    connections.push({ state: s.state, local: s.local, peer: s.peer, bytesAcked, bytesReceived, bytesSent: ssField(s.info, 'bytes_sent') });
  }
  return { connections, skipped };
}

/** How CounterDelta explained an increase. */
export type DeltaKind =
  /** The first value seen for the key: no increase yet. */
  | 'first'
  /** The counter went up (or stayed). */
  | 'increase'
  /** The counter passed 2^32 − 1 and started again from 0. */
  | 'wrap32'
  /** The counter passed 2^64 − 1 and started again from 0. */
  | 'wrap64'
  /** The counter went down with no plausible wrap (interface re-created, reboot, a new connection on the same ports): the increase is the new value. */
  | 'reset';

/** One per-interval increase. */
export interface CounterIncrease {
  /** The increase since the previous value; null for `first`. */
  delta: number | null;
  /** How it was obtained. */
  kind: DeltaKind;
}

const TWO_32 = 1n << 32n;
const TWO_64 = 1n << 64n;

/**
 * Turns cumulative counters, keyed by name, into increases between successive values.
 *
 * When a value is lower than the previous one it is a wrap if the counter could have been of
 * that width (the previous value was below 2^32, resp. 2^64) and the wrapped increase
 * (2^width − previous + current) is under half the width's range, i.e. the previous value was
 * already in the top half; 32 bits is tried first. Otherwise it is a reset and the increase is
 * the new value (what was counted since the counter restarted from 0).
 */
export class CounterDelta {
  private readonly last = new Map<string, bigint>();

  /** Records `value` for `key` and returns the increase since the key's previous value. */
  update(key: string, value: bigint): CounterIncrease {
    const previous = this.last.get(key);
    this.last.set(key, value);
    if (previous === undefined) return { delta: null, kind: 'first' };
    if (value >= previous) return { delta: Number(value - previous), kind: 'increase' };
    for (const [width, kind] of [[TWO_32, 'wrap32'], [TWO_64, 'wrap64']] as const) {
      if (previous < width && value < width) {
        const wrapped = width - previous + value;
        if (wrapped <= width / 2n) return { delta: Number(wrapped), kind };
      }
    }
    return { delta: Number(value), kind: 'reset' };
  }

  /** Forgets every key not in `keys` (interfaces or connections that are gone). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.last.keys()) if (!keys.has(key)) this.last.delete(key);
  }
}
