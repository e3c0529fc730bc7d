/**
 * The network sampler (contract E), Linux only: each `sample()` reads the kernel's cumulative
 * counters (proc-net.ts says exactly what each raw counter is) and returns what changed since
 * the previous sample. Elsewhere it returns `{ available: false, reason }`; it never throws.
 *
 * What each number of a NetworkSample means:
 * - `interfaces[]` (from `/proc/net/dev`): per interface, `rxBytes` / `txBytes` = bytes
 *   received / transmitted at the device (link-layer headers included) and `rxPackets` /
 *   `txPackets` = packets, each the increase **within the interval** since the previous
 *   sample; null on the first sample (it only sets the baseline) and for an interface that
 *   appeared since. A counter wrap (32 or 64 bit) or reset is accounted for and listed in
 *   `events` (see CounterDelta).
 * - `totals`: the interval's sums of those over every interface except `excludeFromTotals`
 *   (default `lo`, so loopback traffic, counted on `lo` both as received and as sent, does not
 *   inflate them); null on the first sample.
 * - `protocols` (from `/proc/net/snmp`, the whole network namespace; TCP over IPv4 and IPv6,
 *   UDP and ICMP over IPv4 only): increases within
 *   the interval of TCP segments in / out / retransmitted and connections actively opened, UDP
 *   datagrams in / out / receive errors, ICMP messages in / out (null on the first sample);
 *   `tcp.currEstab` is the number of connections ESTABLISHED or CLOSE-WAIT at sample time (a
 *   gauge). The kernel keeps no per-protocol byte counts.
 * - `busiestConnections` (from `ss -tin`, i.e. the kernel's tcp_info): up to
 *   `topConnections` TCP connections open at sample time, ordered by bytes moved within the
 *   interval, `bytesAcked` (sent and acknowledged by the peer) + `bytesReceived` (received in
 *   order); retransmissions are not counted. A connection first seen now counts everything
 *   since it opened (it opened within the interval); on the first successful `ss` run every
 *   connection is only a baseline, so the list is empty. Connections that opened and closed between two
 *   samples are not seen. `totalBytesAcked` / `totalBytesReceived` are cumulative since the
 *   connection opened.
 * - `intervalMs`: milliseconds since the previous sample (null on the first).
 * @module
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CounterDelta, parseNetDev, parseSnmp, parseSsTcpInfo, type DeltaKind, type SkippedLine, type TcpConnection } from './proc-net.js';

/** Where NetworkSampler reads from and how much it reports; each field has a default. */
export interface NetworkSamplerOptions {
  /** The `/proc` mount (default `/proc`). */
  procRoot?: string;
  /** The platform (default `process.platform`); anything but `linux` is unavailable. */
  platform?: NodeJS.Platform;
  /** The `ss` executable (default `ss`, looked up on PATH). */
  ssCommand?: string;
  /** How long `ss` may run before it is killed, ms (default 5000). */
  ssTimeoutMs?: number;
  /** How many busiest connections to report (default 10; 0 does not run `ss`). */
  topConnections?: number;
  /** Interfaces left out of `totals` (default `['lo']`). */
  excludeFromTotals?: readonly string[];
}

/** One interface's increases within the interval (null on its first sample). */
export interface InterfaceInterval {
  /** The interface name. */
  name: string;
  /** Bytes received. */
  rxBytes: number | null;
  /** Packets received. */
  rxPackets: number | null;
  /** Bytes transmitted. */
  txBytes: number | null;
  /** Packets transmitted. */
  txPackets: number | null;
}

/** The interval's sums over the counted interfaces. */
export interface NetworkTotals {
  /** Bytes received. */
  rxBytes: number;
  /** Packets received. */
  rxPackets: number;
  /** Bytes transmitted. */
  txBytes: number;
  /** Packets transmitted. */
  txPackets: number;
}

/** Per-protocol increases within the interval, from /proc/net/snmp (null on the first sample). */
export interface ProtocolIntervals {
  /** TCP. */
  tcp: {
    inSegs: number | null;
    outSegs: number | null;
    retransSegs: number | null;
    activeOpens: number | null;
    /** A gauge: connections ESTABLISHED or CLOSE-WAIT now. */
    currEstab: number | null;
  };
  /** UDP. */
  udp: { inDatagrams: number | null; outDatagrams: number | null; inErrors: number | null };
  /** ICMP. */
  icmp: { inMsgs: number | null; outMsgs: number | null };
}

/** One of the interval's busiest TCP connections. */
export interface BusyConnection {
  /** Socket state, e.g. `ESTAB`. */
  state: string;
  /** Local address:port. */
  local: string;
  /** Peer address:port. */
  peer: string;
  /** Bytes sent and acknowledged within the interval. */
  bytesAcked: number;
  /** Bytes received within the interval. */
  bytesReceived: number;
  /** Bytes sent and acknowledged since the connection opened. */
  totalBytesAcked: number;
  /** Bytes received since the connection opened. */
  totalBytesReceived: number;
}

/** A counter that wrapped or reset within the interval, e.g. `{ key: 'dev:eth0:rxBytes', kind: 'reset' }`. */
export interface CounterEvent {
  /** Which counter. */
  key: string;
  /** `wrap32`, `wrap64` or `reset`. */
  kind: Exclude<DeltaKind, 'first' | 'increase'>;
}

/** A source that could not be read (its fields are null / empty), and why. */
export interface NetworkError {
  /** `/proc/net/dev`, `/proc/net/snmp` or `ss`. */
  source: string;
  /** The error's message. */
  message: string;
}

/** A sample where the counters exist (Linux). */
export interface NetworkSampleAvailable {
  /** Always true. */
  available: true;
  /** When the sample was taken (ms since the epoch). */
  timestamp: number;
  /** Milliseconds since the previous sample; null on the first. */
  intervalMs: number | null;
  /** Per-interface increases. */
  interfaces: InterfaceInterval[];
  /** Sums over the counted interfaces; null on the first sample. */
  totals: NetworkTotals | null;
  /** Per-protocol increases; null when /proc/net/snmp could not be read. */
  protocols: ProtocolIntervals | null;
  /** The busiest TCP connections of the interval, busiest first. */
  busiestConnections: BusyConnection[];
  /** Counters that wrapped or reset. */
  events: CounterEvent[];
  /** Lines a parser could not use, with the file they came from. */
  skipped: (SkippedLine & { source: string })[];
  /** Sources that could not be read. */
  errors: NetworkError[];
}

/** A sample on a platform without the kernel's counters. */
export interface NetworkSampleUnavailable {
  /** Always false. */
  available: false;
  /** When the sample was taken (ms since the epoch). */
  timestamp: number;
  /** Why nothing was read. */
  reason: string;
}

/** What `NetworkSampler.sample()` returns. */
export type NetworkSample = NetworkSampleAvailable | NetworkSampleUnavailable;

/**
 * Runs `ss -tin` once and parses it. Never rejects: when `ss` is missing, times out or fails,
 * the connections are empty and `error` says why.
 */
export function runSs(command = 'ss', timeoutMs = 5000): Promise<{ connections: TcpConnection[]; skipped: SkippedLine[]; error: string | null }> {
  return new Promise((resolve) => {
    execFile(command, ['-tin'], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const message =
          code === 'ENOENT' ? `${command} not found (install iproute2)` : error.killed ? `${command} timed out after ${timeoutMs} ms` : error.message;
        resolve({ connections: [], skipped: [], error: message });
        return;
      }
      resolve({ ...parseSsTcpInfo(stdout), error: null });
    });
  });
}

const INTERFACE_FIELDS = ['rxBytes', 'rxPackets', 'txBytes', 'txPackets'] as const;

/** Reads the kernel's network counters and reports their increases per interval (see the module doc). */
export class NetworkSampler {
  private readonly procRoot: string;
  private readonly platform: NodeJS.Platform;
  private readonly ssCommand: string;
  private readonly ssTimeoutMs: number;
  private readonly topConnections: number;
  private readonly excluded: ReadonlySet<string>;
  private readonly counters = new CounterDelta();
  private readonly connectionCounters = new CounterDelta();
  private previousAt: number | null = null;
  private ssBaselined = false;

  /** @param options see NetworkSamplerOptions. */
  constructor(options: NetworkSamplerOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.platform = options.platform ?? process.platform;
    this.ssCommand = options.ssCommand ?? 'ss';
    this.ssTimeoutMs = options.ssTimeoutMs ?? 5000;
    this.topConnections = options.topConnections ?? 10;
    this.excluded = new Set(options.excludeFromTotals ?? ['lo']);
  }

  /** Reads every source once; never rejects. */
  async sample(): Promise<NetworkSample> {
    const timestamp = Date.now();
    if (this.platform !== 'linux') {
      return { available: false, timestamp, reason: `network counters come from Linux's /proc/net; this platform is ${this.platform}` };
    }
    const previousAt = this.previousAt;
    const intervalMs = previousAt === null ? null : timestamp - previousAt;
    this.previousAt = timestamp;
    const events: CounterEvent[] = [];
    const skipped: NetworkSampleAvailable['skipped'] = [];
    const errors: NetworkError[] = [];
    const delta = (table: CounterDelta, key: string, value: bigint | undefined): number | null => {
      if (value === undefined) return null;
      const { delta: d, kind } = table.update(key, value);
      if (kind !== 'first' && kind !== 'increase') events.push({ key, kind });
      return d;
    };
    /** A file's text, or its read error: the reads run together, their errors are listed in file order. */
    const read = async (file: string): Promise<string | { source: string; message: string }> => {
      const path = join(this.procRoot, 'net', file);
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        return { source: path, message: error instanceof Error ? error.message : String(error) };
      }
    };
    const [devRead, snmpRead, ss] = await Promise.all([
      read('dev'),
      read('snmp'),
      this.topConnections > 0 ? runSs(this.ssCommand, this.ssTimeoutMs) : null,
    ]);
    const textOf = (result: string | { source: string; message: string }): string | null => {
      if (typeof result === 'string') return result;
      errors.push(result);
      return null;
    };
    const devText = textOf(devRead);
    const snmpText = textOf(snmpRead);

    const interfaces: InterfaceInterval[] = [];
    const seen = new Set<string>();
    if (devText !== null) {
      const parsed = parseNetDev(devText);
      for (const s of parsed.skipped) skipped.push({ ...s, source: 'dev' });
      for (const counters of parsed.interfaces) {
        const row: InterfaceInterval = { name: counters.name, rxBytes: null, rxPackets: null, txBytes: null, txPackets: null };
        for (const field of INTERFACE_FIELDS) {
          const key = `dev:${counters.name}:${field}`;
          seen.add(key);
          row[field] = delta(this.counters, key, counters[field]);
        }
        interfaces.push(row);
      }
    }

    let protocols: ProtocolIntervals | null = null;
    if (snmpText !== null) {
      const { table, skipped: bad } = parseSnmp(snmpText);
      for (const s of bad) skipped.push({ ...s, source: 'snmp' });
      const d = (proto: string, field: string): number | null => {
        const key = `snmp:${proto}:${field}`;
        seen.add(key);
        return delta(this.counters, key, table[proto]?.[field]);
      };
      const currEstab = table.Tcp?.CurrEstab;
      protocols = {
        tcp: {
          inSegs: d('Tcp', 'InSegs'),
          outSegs: d('Tcp', 'OutSegs'),
          retransSegs: d('Tcp', 'RetransSegs'),
          activeOpens: d('Tcp', 'ActiveOpens'),
          currEstab: currEstab === undefined ? null : Number(currEstab),
        },
        udp: { inDatagrams: d('Udp', 'InDatagrams'), outDatagrams: d('Udp', 'OutDatagrams'), inErrors: d('Udp', 'InErrors') },
        icmp: { inMsgs: d('Icmp', 'InMsgs'), outMsgs: d('Icmp', 'OutMsgs') },
      };
    }
    this.counters.retain(seen);

    let totals: NetworkTotals | null = null;
    if (previousAt !== null && devText !== null) {
      totals = { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 };
      for (const row of interfaces) {
        if (this.excluded.has(row.name)) continue;
        for (const field of INTERFACE_FIELDS) totals[field] += row[field] ?? 0;
      }
    }

    const busiestConnections: BusyConnection[] = [];
    if (ss !== null) {
      if (ss.error !== null) errors.push({ source: 'ss', message: ss.error });
      for (const s of ss.skipped) skipped.push({ ...s, source: 'ss' });
      const baseline = !this.ssBaselined;
      const connectionKeys = new Set<string>();
      for (const c of ss.connections) {
        const key = `${c.local} ${c.peer}`;
        connectionKeys.add(`${key} acked`);
        connectionKeys.add(`${key} received`);
        const acked = this.connectionCounters.update(`${key} acked`, c.bytesAcked);
        const received = this.connectionCounters.update(`${key} received`, c.bytesReceived);
        if (baseline) continue;
        busiestConnections.push({
          state: c.state,
          local: c.local,
          peer: c.peer,
          // a connection not seen before opened within the interval: all its bytes are the interval's
          bytesAcked: acked.delta ?? Number(c.bytesAcked),
          bytesReceived: received.delta ?? Number(c.bytesReceived),
          totalBytesAcked: Number(c.bytesAcked),
          totalBytesReceived: Number(c.bytesReceived),
        });
      }
      if (ss.error === null) {
        this.connectionCounters.retain(connectionKeys);
        this.ssBaselined = true;
      }
      busiestConnections.sort((a, b) => b.bytesAcked + b.bytesReceived - (a.bytesAcked + a.bytesReceived));
      busiestConnections.length = Math.min(busiestConnections.length, this.topConnections);
    }

    return { available: true, timestamp, intervalMs, interfaces, totals, protocols, busiestConnections, events, skipped, errors };
  }
}
