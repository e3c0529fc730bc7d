/**
 * The data the network-history benchmark loads: 7 days of one-minute network windows as the
 * collector writes them. Each minute a synthetic collection (eth0, eth1 and lo, the SNMP
 * protocol counters, the established-connection count and the interval's busiest connections
 * drawn from a pool of conversations) goes through the real NetworkMetricsRecorder into a
 * Recorder, whose sealed windows are written hour by hour with the store's `writeWindows`,
 * as the flusher would. Deterministic (mulberry32).
 * @module
 */
import { performance } from 'node:perf_hooks';
import { NetworkMetricsRecorder } from '../src/collect/network-metrics.js';
import type { BusyConnection, InterfaceInterval, NetworkSampleAvailable } from '../src/collect/network.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/model/duration.js';
import type { Window } from '../src/model/window.js';
import { Recorder } from '../src/record/recorder.js';
import type { Store } from '../src/store/store.js';
import { mulberry32, type Random } from '../test/support/random.js';
import { grouped } from './measure.js';

/** Days of network history loaded. */
export const NETWORK_DAYS = 7;
/** The end of the stored data (exclusive) and the clock of the instance that queries it. */
export const NETWORK_END = Date.UTC(2026, 10, 20);
/** The start of the stored data. */
export const NETWORK_START = NETWORK_END - NETWORK_DAYS * DAY_MS;
/** The labels every series carries, as a Velocity process sets them. */
export const NETWORK_LABELS = { service: 'bench', instance: 'bench-1', env: 'bench' } as const;
/** Interfaces of the host and their mean bytes per minute (received, transmitted); lo is left out of the totals. */
const INTERFACES: ReadonlyArray<readonly [name: string, rxBytes: number, txBytes: number]> = [
  ['eth0', 40e6, 25e6],
  ['eth1', 5e6, 8e6],
  ['lo', 2e6, 2e6],
];
/** Distinct conversations the busiest connections are drawn from. */
const CONVERSATIONS = 40;
/** Connections sampled per collection, before folding into conversations. */
const CONNECTIONS_PER_SAMPLE = 12;
const SEED = 0x4e7;

/** What loading the network week took. */
export interface NetworkWeekLoad {
  /** Windows written. */
  readonly written: number;
  /** Series those windows belong to. */
  readonly series: number;
  /** Time inside `writeWindows` only, ms. */
  readonly loadMs: number;
}

/** `mean` varied by ±50 %, whole. */
function around(rand: Random, mean: number): number {
  return Math.round(mean * (0.5 + rand()));
}

/** A connection pool: local/peer pairs, half inbound to local services, half outbound to databases and APIs. */
function connectionPool(rand: Random): Array<{ local: string; peer: string }> {
  return Array.from({ length: CONVERSATIONS }, (_, i) => {
    const ephemeral = 32768 + Math.floor(rand() * 28000);
    const remote = `10.0.${1 + (i % 7)}.${10 + i}`;
    return i % 2 === 0
      ? { local: `10.0.0.5:${[443, 8080, 9090][i % 3]}`, peer: `${remote}:${ephemeral}` }
      : { local: `10.0.0.5:${ephemeral}`, peer: `${remote}:${[5432, 6379, 443][i % 3]}` };
  });
}

/** One collection's sample: every interval counter increased by a random amount around its mean. */
function sample(rand: Random, timestamp: number, pool: ReadonlyArray<{ local: string; peer: string }>): NetworkSampleAvailable {
  const interfaces: InterfaceInterval[] = INTERFACES.map(([name, rx, tx]) => {
    const rxBytes = around(rand, rx);
    const txBytes = around(rand, tx);
    return { name, rxBytes, txBytes, rxPackets: Math.ceil(rxBytes / 900), txPackets: Math.ceil(txBytes / 700) };
  });
  const busiestConnections: BusyConnection[] = Array.from({ length: CONNECTIONS_PER_SAMPLE }, () => {
    const { local, peer } = pool[Math.floor(rand() ** 2 * pool.length)];
    const bytesAcked = around(rand, 2e6);
    const bytesReceived = around(rand, 1e6);
    return { state: 'ESTAB', local, peer, bytesAcked, bytesReceived, totalBytesAcked: bytesAcked, totalBytesReceived: bytesReceived };
  });
  return {
    available: true,
    timestamp,
    intervalMs: MINUTE_MS,
    interfaces,
    totals: null,
    protocols: {
      tcp: { inSegs: around(rand, 40_000), outSegs: around(rand, 35_000), retransSegs: around(rand, 20), activeOpens: around(rand, 50), currEstab: around(rand, 120) },
      udp: { inDatagrams: around(rand, 800), outDatagrams: around(rand, 700), inErrors: 0 },
      icmp: { inMsgs: around(rand, 4), outMsgs: around(rand, 4) },
    },
    busiestConnections,
    events: [],
    skipped: [],
    errors: [],
  };
}

/** Generates the week (collections at hh:mm:59) and writes it into `store`, one hour of windows per `writeWindows`. */
export async function loadNetworkWeek(store: Store): Promise<NetworkWeekLoad> {
  const rand = mulberry32(SEED);
  const pool = connectionPool(rand);
  const recorder = new Recorder(NETWORK_START);
  const network = new NetworkMetricsRecorder(recorder, NETWORK_LABELS);
  const keys = new Set<string>();
  let loadMs = 0;
  let written = 0;
  for (let hourStart = NETWORK_START; hourStart < NETWORK_END; hourStart += HOUR_MS) {
    const windows: Window[] = [];
    for (let minute = hourStart; minute < hourStart + HOUR_MS; minute += MINUTE_MS) {
      network.record(sample(rand, minute + MINUTE_MS - 1000, pool));
      windows.push(...recorder.rotate(minute + MINUTE_MS));
    }
    for (const w of windows) keys.add(w.series.key);
    const started = performance.now();
    await store.writeWindows('1m', windows);
    loadMs += performance.now() - started;
    written += windows.length;
  }
  return { written, series: keys.size, loadMs };
}

/** The "Data: …" note of the network-history sections. */
export function networkWeekNote(load: NetworkWeekLoad): string {
  return (
    `Data: ${grouped(load.written)} windows of ${grouped(load.series)} series, ${NETWORK_DAYS} days of one collection a ` +
    `minute recorded through the real NetworkMetricsRecorder: ${INTERFACES.map(([name]) => name).join(', ')} × direction ` +
    'for `system.network.io` and `system.network.packets`, `system.network.protocol.packets` (tcp, udp, icmp), ' +
    '`system.network.tcp.retransmits`, the `system.network.connections` gauge, and the 5 busiest conversations of ' +
    `${CONNECTIONS_PER_SAMPLE} connections per minute drawn (skewed) from a pool of ${CONVERSATIONS}, as ` +
    `\`system.network.flow.io\`; labels service/instance/env; mulberry32 seed ${SEED}.`
  );
}
