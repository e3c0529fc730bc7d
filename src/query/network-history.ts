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
import type { SeriesRecord, Store, WindowSum } from '../store/store.js';
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

/** What one series adds to a window: to its bytes, its packets, a protocol's packets, or a conversation's bytes. */
type Contribution =
  | { readonly to: 'bytes' }
  | { readonly to: 'packets' }
  | { readonly to: 'protocol'; readonly index: number }
  | { readonly to: 'flow'; readonly index: number };

/** The series a history reads, by id, with what each contributes; protocols and conversations by index. */
interface HistorySeries {
  readonly contributions: ReadonlyMap<number, Contribution>;
  /** Protocol names (upper case), in the order of their first series by id. */
  readonly protocols: readonly string[];
  /** Conversations, in the order of their first series by id. */
  readonly conversations: ReadonlyArray<{ readonly local: string; readonly peer: string }>;
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
  const contributions = new Map<number, Contribution>();
  for (const s of bytes) contributions.set(s.id, { to: 'bytes' });
  for (const s of packets) contributions.set(s.id, { to: 'packets' });
  const protocolIndex = new Map<string, number>();
  for (const s of protocols) {
    const name = s.labels.protocol.toUpperCase();
    if (!protocolIndex.has(name)) protocolIndex.set(name, protocolIndex.size);
    contributions.set(s.id, { to: 'protocol', index: protocolIndex.get(name) as number });
  }
  const conversationIndex = new Map<string, number>();
  const conversations: Array<{ local: string; peer: string }> = [];
  for (const { id, labels } of flows) {
    const key = `${labels.local} ${labels.peer}`;
    let index = conversationIndex.get(key);
    if (index === undefined) {
      index = conversations.push({ local: labels.local, peer: labels.peer }) - 1;
      conversationIndex.set(key, index);
    }
    contributions.set(id, { to: 'flow', index });
  }
  return { contributions, protocols: [...protocolIndex.keys()], conversations };
}

/** The windows of a span [first, first + minutes minutes) while their sums are added up, indexed by minute. */
class SpanAccumulator {
  private readonly present: Uint8Array;
  private readonly bytes: Float64Array;
  private readonly packets: Float64Array;
  /** Per protocol index, per minute; NaN where the protocol has no row. */
  private readonly protocols: Float64Array[];
  /** Per minute, the conversations with bytes as flat pairs: index, bytes, index, bytes, … */
  private readonly flows: Array<number[] | undefined>;

  constructor(
    private readonly series: HistorySeries,
    private readonly first: number,
    private readonly minutes: number,
  ) {
    this.present = new Uint8Array(minutes);
    this.bytes = new Float64Array(minutes);
    this.packets = new Float64Array(minutes);
    this.protocols = series.protocols.map(() => new Float64Array(minutes).fill(Number.NaN));
    this.flows = new Array(minutes);
  }

  /** Adds window sums to their minutes. */
  add(rows: readonly WindowSum[]): void {
    for (const [seriesId, start, sum] of rows) {
      const contribution = this.series.contributions.get(seriesId) as Contribution;
      const i = (start - this.first) / MINUTE_MS;
      this.present[i] = 1;
      if (contribution.to === 'bytes') this.bytes[i] += sum;
      else if (contribution.to === 'packets') this.packets[i] += sum;
      else if (contribution.to === 'protocol') {
        const totals = this.protocols[contribution.index];
        totals[i] = (Number.isNaN(totals[i]) ? 0 : totals[i]) + sum;
      } else this.addFlow(i, contribution.index, sum);
    }
  }

  /** The windows that hold anything, newest first, at most `limit`. */
  newestFirst(limit: number): NetworkWindowView[] {
    const views: NetworkWindowView[] = [];
    for (let i = this.minutes - 1; i >= 0 && views.length < limit; i--) {
      if (this.present[i] === 0) continue;
      const start = this.first + i * MINUTE_MS;
      const breakdown: Record<string, number> = {};
      this.series.protocols.forEach((protocol, p) => {
        if (!Number.isNaN(this.protocols[p][i])) breakdown[protocol] = this.protocols[p][i];
      });
      views.push({
        timestamp: (start + MINUTE_MS) / SECOND_MS,
        window_start: start / SECOND_MS,
        total_bytes: this.bytes[i],
        total_packets: this.packets[i],
        bytes_per_second: round(this.bytes[i] / (MINUTE_MS / SECOND_MS), 3),
        protocol_breakdown: breakdown,
        protocol_breakdown_unit: 'packets',
        active_flows: flowViews(this.conversationsAt(i)),
      });
    }
    return views;
  }

  private addFlow(i: number, conversation: number, bytes: number): void {
    const pairs = (this.flows[i] ??= []);
    for (let k = 0; k < pairs.length; k += 2) {
      if (pairs[k] === conversation) {
        pairs[k + 1] += bytes;
        return;
      }
    }
    pairs.push(conversation, bytes);
  }

  private conversationsAt(i: number): Array<{ local: string; peer: string; bytes: number }> {
    const pairs = this.flows[i] ?? [];
    const found: Array<{ local: string; peer: string; bytes: number }> = [];
    for (let k = 0; k < pairs.length; k += 2) {
      const { local, peer } = this.series.conversations[pairs[k]];
      found.push({ local, peer, bytes: pairs[k + 1] });
    }
    return found;
  }
}

/**
 * Runs a `/metrics/history` query: the newest `limit` windows whose start lies in
 * [start, end), newest first. Reads backwards from `end` a day at a time, until it has
 * `limit` windows: a query for the last windows of a long range reads only those, and, since
 * SQLite reads hold the event loop, no read holds it for more than a day of rows (the live
 * endpoint and the host's requests are served in between). Counters need only their sums, so
 * each day is one `readSums` of every series the history reads.
 */
export async function queryNetworkHistory(store: Store, query: UnixRangeQuery): Promise<NetworkHistoryResult> {
  const series = await historySeries(store, query.filters);
  const ids = [...series.contributions.keys()];
  const windows: NetworkWindowView[] = [];
  let to = query.end;
  while (ids.length > 0 && windows.length < query.limit && to > query.start) {
    const from = Math.max(query.start, to - DAY_MS);
    const first = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
    const span = new SpanAccumulator(series, first, Math.max(0, Math.ceil((to - first) / MINUTE_MS)));
    span.add(await store.readSums('1m', ids, from, to));
    for (const window of span.newestFirst(query.limit - windows.length)) windows.push(window);
    to = from;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { start: query.start / SECOND_MS, end: query.end / SECOND_MS, windows };
}
