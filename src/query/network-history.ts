/**
 * Network history (contract E's `GET /metrics/history`): one entry per stored one-minute window
 * that holds network counters, newest first, built from the counter series of
 * network-metrics.ts. What each number is:
 *
 * - `total_bytes` / `total_packets`: bytes and packets received plus transmitted within the
 *   window, over every interface but loopback (`system.network.io`, `system.network.packets`,
 *   from `/proc/net/dev`; link-layer headers included).
 * - `bytes_per_second`: total_bytes / 60.
 * - `protocol_breakdown`: per protocol, **packets** received plus sent within the window
 *   (`protocol_breakdown_unit: "packets"`): TCP segments, UDP datagrams, ICMP messages, from
 *   `/proc/net/snmp` (`system.network.protocol.packets`). The kernel counts no bytes per
 *   protocol, so these are not parts of total_bytes.
 * - `active_flows`: the window's busiest TCP conversations (see collect/flows.ts), at most
 *   FLOWS_PER_INTERVAL, by payload bytes sent (acknowledged by the peer) plus received
 *   (`system.network.flow.io`, from `ss -tin`); connections that opened and closed between
 *   two collections are not seen.
 * - `window_start` / `timestamp`: the window's start and end, unix seconds.
 *
 * Several instances collecting into one store are summed; the `instance` filter picks one.
 * @module
 */
import { FLOWS_PER_INTERVAL, LOOPBACK_INTERFACES, NETWORK_METRICS } from '../collect/network-metrics.js';
import { DAY_MS, MINUTE_MS, SECOND_MS } from '../model/duration.js';
import type { StoredWindow } from '../model/window.js';
import type { SeriesRecord, Store } from '../store/store.js';
import { round } from './derive.js';
import type { UnixRangeBounds, UnixRangeQuery } from './params.js';

/** Contract E's bounds: the last 24 h by default, at most 30 days, 1,440 windows by default and at most 30 days' worth. */
export const NETWORK_HISTORY_BOUNDS: UnixRangeBounds = {
  defaultRangeMs: DAY_MS,
  maxRangeMs: 30 * DAY_MS,
  defaultLimit: 1440,
  maxLimit: 30 * 1440,
};

/** The label filters `/metrics/history` accepts beside start, end and limit. */
export const NETWORK_HISTORY_FILTERS: readonly string[] = ['service', 'instance'];

/** One of a window's busiest TCP conversations. */
export interface NetworkFlowView {
  protocol: 'TCP';
  /** This host's side, `address:port` (`*`: the ephemeral client port). */
  local: string;
  /** The other side. */
  peer: string;
  /** Payload bytes sent (acknowledged by the peer) plus received in order. */
  bytes: number;
}

/** One window of network traffic (see the module doc for every field). */
export interface NetworkWindowView {
  timestamp: number;
  window_start: number;
  total_bytes: number;
  total_packets: number;
  bytes_per_second: number;
  protocol_breakdown: Record<string, number>;
  protocol_breakdown_unit: 'packets';
  active_flows: NetworkFlowView[];
}

/** The answer of `/metrics/history`: the range asked for, in unix seconds, and its windows, newest first. */
export interface NetworkHistoryResult {
  start: number;
  end: number;
  windows: NetworkWindowView[];
}

/** The busiest FLOWS_PER_INTERVAL of `flows` as views, busiest first. */
export function flowViews(flows: Iterable<{ local: string; peer: string; bytes: number }>): NetworkFlowView[] {
  return [...flows]
    .map((f): NetworkFlowView => ({ protocol: 'TCP', local: f.local, peer: f.peer, bytes: f.bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.local.localeCompare(b.local) || a.peer.localeCompare(b.peer))
    .slice(0, FLOWS_PER_INTERVAL);
}

/** The series a history reads, by what they contribute to a window. */
interface HistorySeries {
  /** Bytes of the interfaces but loopback. */
  readonly bytes: SeriesRecord[];
  /** Packets of the interfaces but loopback. */
  readonly packets: SeriesRecord[];
  /** Packets per protocol and direction. */
  readonly protocols: SeriesRecord[];
  /** Bytes per conversation. */
  readonly flows: SeriesRecord[];
}

async function historySeries(store: Store, filters: Readonly<Record<string, string>>): Promise<HistorySeries> {
  const matching = async (metric: string, keep: (s: SeriesRecord) => boolean = () => true): Promise<SeriesRecord[]> =>
    (await store.listSeries(metric)).filter(
      (s) => keep(s) && Object.entries(filters).every(([label, value]) => s.labels[label] === value),
    );
  const notLoopback = (s: SeriesRecord): boolean => !LOOPBACK_INTERFACES.includes(s.labels.interface);
  const [bytes, packets, protocols, flows] = await Promise.all([
    matching(NETWORK_METRICS.io, notLoopback),
    matching(NETWORK_METRICS.packets, notLoopback),
    matching(NETWORK_METRICS.protocolPackets),
    matching(NETWORK_METRICS.flowIo),
  ]);
  return { bytes, packets, protocols, flows };
}

/** The windows of a span [first, first + minutes minutes) while their rows are added up, indexed by minute. */
class SpanAccumulator {
  private readonly present: Uint8Array;
  private readonly bytes: Float64Array;
  private readonly packets: Float64Array;
  private readonly protocols = new Map<string, Float64Array>();
  private readonly flows: Array<Map<string, { local: string; peer: string; bytes: number }> | undefined>;

  constructor(
    private readonly first: number,
    private readonly minutes: number,
  ) {
    this.present = new Uint8Array(minutes);
    this.bytes = new Float64Array(minutes);
    this.packets = new Float64Array(minutes);
    this.flows = new Array(minutes);
  }

  /** Adds rows of bytes or packets to their minutes' totals. */
  addTotals(rows: readonly StoredWindow[], into: 'bytes' | 'packets'): void {
    const totals = this[into];
    for (const row of rows) {
      const i = this.index(row.start);
      this.present[i] = 1;
      totals[i] += row.sum;
    }
  }

  /** Adds rows of per-protocol packets to their minutes' breakdowns. */
  addProtocols(rows: readonly StoredWindow[], protocolOf: ReadonlyMap<number, string>): void {
    for (const row of rows) {
      const protocol = protocolOf.get(row.seriesId) as string;
      let totals = this.protocols.get(protocol);
      if (totals === undefined) {
        totals = new Float64Array(this.minutes).fill(Number.NaN);
        this.protocols.set(protocol, totals);
      }
      const i = this.index(row.start);
      this.present[i] = 1;
      totals[i] = (Number.isNaN(totals[i]) ? 0 : totals[i]) + row.sum;
    }
  }

  /** Adds rows of conversation bytes to their minutes' conversations. */
  addFlows(rows: readonly StoredWindow[], seriesOf: ReadonlyMap<number, SeriesRecord>): void {
    for (const row of rows) {
      const { labels } = seriesOf.get(row.seriesId) as SeriesRecord;
      const i = this.index(row.start);
      this.present[i] = 1;
      const key = `${labels.local} ${labels.peer}`;
      const flows = (this.flows[i] ??= new Map());
      const flow = flows.get(key);
      if (flow === undefined) flows.set(key, { local: labels.local, peer: labels.peer, bytes: row.sum });
      else flow.bytes += row.sum;
    }
  }

  /** The windows that hold anything, newest first, at most `limit`. */
  newestFirst(limit: number): NetworkWindowView[] {
    const views: NetworkWindowView[] = [];
    for (let i = this.minutes - 1; i >= 0 && views.length < limit; i--) {
      if (this.present[i] === 0) continue;
      const start = this.first + i * MINUTE_MS;
      const breakdown: Record<string, number> = {};
      for (const [protocol, totals] of this.protocols) if (!Number.isNaN(totals[i])) breakdown[protocol] = totals[i];
      views.push({
        timestamp: (start + MINUTE_MS) / SECOND_MS,
        window_start: start / SECOND_MS,
        total_bytes: this.bytes[i],
        total_packets: this.packets[i],
        bytes_per_second: round(this.bytes[i] / (MINUTE_MS / SECOND_MS), 3),
        protocol_breakdown: breakdown,
        protocol_breakdown_unit: 'packets',
        active_flows: flowViews(this.flows[i]?.values() ?? []),
      });
    }
    return views;
  }

  private index(start: number): number {
    return (start - this.first) / MINUTE_MS;
  }
}

/**
 * Runs a `/metrics/history` query: the newest `limit` windows whose start lies in
 * [start, end), newest first. Reads backwards from `end` a day at a time, until it has
 * `limit` windows: a query for the last windows of a long range reads only those, and, since
 * SQLite reads hold the event loop, no read holds it for more than a day of rows (the live
 * endpoint and the host's requests are served in between).
 */
export async function queryNetworkHistory(store: Store, query: UnixRangeQuery): Promise<NetworkHistoryResult> {
  const series = await historySeries(store, query.filters);
  const protocolOf = new Map(series.protocols.map((s) => [s.id, s.labels.protocol.toUpperCase()]));
  const flowOf = new Map(series.flows.map((s) => [s.id, s]));
  const ids = (list: readonly SeriesRecord[]): number[] => list.map((s) => s.id);
  const any = Object.values(series).some((list: SeriesRecord[]) => list.length > 0);
  const windows: NetworkWindowView[] = [];
  let to = query.end;
  while (any && windows.length < query.limit && to > query.start) {
    const from = Math.max(query.start, to - DAY_MS);
    const first = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
    const read = (list: readonly SeriesRecord[]): Promise<StoredWindow[]> =>
      list.length === 0 ? Promise.resolve([]) : store.readWindows('1m', ids(list), from, to, { withSketch: false });
    // One read per kind of figure, concurrently: smaller sorts, and PostgreSQL runs them side by side.
    const [bytes, packets, protocols, flows] = await Promise.all([read(series.bytes), read(series.packets), read(series.protocols), read(series.flows)]);
    const span = new SpanAccumulator(first, Math.max(0, Math.ceil((to - first) / MINUTE_MS)));
    span.addTotals(bytes, 'bytes');
    span.addTotals(packets, 'packets');
    span.addProtocols(protocols, protocolOf);
    span.addFlows(flows, flowOf);
    for (const window of span.newestFirst(query.limit - windows.length)) windows.push(window);
    to = from;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { start: query.start / SECOND_MS, end: query.end / SECOND_MS, windows };
}
