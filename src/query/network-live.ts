/**
 * The live view of network traffic (`GET /metrics/live`): the latest collection interval, from
 * memory, in the shape of a `/metrics/history` window. Its figures are those of the history
 * (see network-history.ts) over the interval between the last two collections instead of a
 * minute: `window_start` and `timestamp` are those two collections (unix seconds, with
 * milliseconds) and `bytes_per_second` divides by the interval's length.
 * @module
 */
import { busiestConversations } from '../collect/flows.js';
import { FLOWS_PER_INTERVAL } from '../collect/network-metrics.js';
import type { NetworkSample } from '../collect/network.js';
import { SECOND_MS } from '../model/duration.js';
import { formatTime } from '../model/time.js';
import { round } from './derive.js';
import { flowViews, type NetworkWindowView } from './network-history.js';

/** Per interface: bytes and packets received and transmitted within the interval (null: its first interval). */
export interface LiveInterface {
  interface: string;
  rx_bytes: number | null;
  tx_bytes: number | null;
  rx_packets: number | null;
  tx_packets: number | null;
}

/** The live view when an interval has been measured. */
export interface NetworkLiveAvailable extends NetworkWindowView {
  available: true;
  generated_at: string;
  /** Length of the interval, seconds. */
  interval_seconds: number;
  /** TCP connections ESTABLISHED or CLOSE-WAIT at the latest collection. */
  tcp_connections: number | null;
  /** Every interface, loopback included (totals leave it out). */
  interfaces: LiveInterface[];
}

/** The live view when there is nothing to show yet, and why. */
export interface NetworkLiveUnavailable {
  available: false;
  generated_at: string;
  reason: string;
}

/** What `/metrics/live` answers. */
export type NetworkLive = NetworkLiveAvailable | NetworkLiveUnavailable;

/** The live view of `sample`, the collector's latest network sample (null before any collection). */
export function networkLive(sample: NetworkSample | null, nowMs: number): NetworkLive {
  const generated_at = formatTime(nowMs);
  if (sample === null) return { available: false, generated_at, reason: 'no network collection has run (collection is off, or has not started)' };
  if (!sample.available) return { available: false, generated_at, reason: sample.reason };
  if (sample.intervalMs === null || sample.totals === null || sample.intervalMs <= 0) {
    return { available: false, generated_at, reason: 'one collection so far: the first only sets the counters\' baseline; the view needs a second' };
  }
  const { totals, protocols, intervalMs } = sample;
  const totalBytes = totals.rxBytes + totals.txBytes;
  const breakdown: Record<string, number> = {};
  if (protocols !== null) {
    breakdown.TCP = (protocols.tcp.inSegs ?? 0) + (protocols.tcp.outSegs ?? 0);
    breakdown.UDP = (protocols.udp.inDatagrams ?? 0) + (protocols.udp.outDatagrams ?? 0);
    breakdown.ICMP = (protocols.icmp.inMsgs ?? 0) + (protocols.icmp.outMsgs ?? 0);
  }
  const flows = busiestConversations(sample.busiestConnections, FLOWS_PER_INTERVAL);
  return {
    available: true,
    generated_at,
    timestamp: sample.timestamp / SECOND_MS,
    window_start: (sample.timestamp - intervalMs) / SECOND_MS,
    interval_seconds: intervalMs / SECOND_MS,
    total_bytes: totalBytes,
    total_packets: totals.rxPackets + totals.txPackets,
    bytes_per_second: round(totalBytes / (intervalMs / SECOND_MS), 3),
    protocol_breakdown: breakdown,
    protocol_breakdown_unit: 'packets',
    active_flows: flowViews(flows.map((c) => ({ local: c.local, peer: c.peer, bytes: c.bytesSent + c.bytesReceived }))),
    tcp_connections: protocols?.tcp.currEstab ?? null,
    interfaces: sample.interfaces.map((row) => ({
      interface: row.name,
      rx_bytes: row.rxBytes,
      tx_bytes: row.txBytes,
      rx_packets: row.rxPackets,
      tx_packets: row.txPackets,
    })),
  };
}
