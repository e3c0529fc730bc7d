/**
 * Network traffic as series (contract E): what one NetworkSample becomes in the recorder.
 * Counters hold the increase within each one-minute window (the sum of the per-interval
 * increases recorded into it). Every series carries the process labels plus those below.
 *
 * | metric | kind | unit | labels | from |
 * | --- | --- | --- | --- | --- |
 * | `system.network.io` | counter | bytes | `direction` (`receive`/`transmit`), `interface` | `/proc/net/dev`, link-layer headers included |
 * | `system.network.packets` | counter | packets | `direction`, `interface` | `/proc/net/dev` |
 * | `system.network.protocol.packets` | counter | packets | `protocol` (`tcp`/`udp`/`icmp`) | `/proc/net/snmp`, received plus sent: TCP segments (InSegs + OutSegs, retransmissions excluded; IPv4 and IPv6), UDP datagrams (InDatagrams + OutDatagrams) and ICMP messages (InMsgs + OutMsgs), IPv4 only |
 * | `system.network.tcp.retransmits` | counter | segments | — | `/proc/net/snmp` RetransSegs |
 * | `system.network.connections` | gauge | connections | `protocol` (`tcp`) | `/proc/net/snmp` CurrEstab: ESTABLISHED or CLOSE-WAIT at sample time |
 * | `system.network.flow.io` | counter | bytes | `local`, `peer` | `ss -tin`: TCP payload sent (acknowledged by the peer) plus received, of the busiest conversations (see flows.ts) |
 *
 * Interface and conversation counters record only increases above zero (an idle interface
 * adds no rows); protocol counters record every interval, zeros included, so each collected
 * minute leaves a trace. Per interval at most FLOWS_PER_INTERVAL conversations are recorded,
 * and conversations, not connections, are the label values, so the flow series grow with the
 * peers and services the host talks to, not with its connections; the recorder's per-metric
 * cap bounds them in any case.
 * @module
 */
import type { Labels } from '../model/labels.js';
import type { GaugeSeries } from '../record/gauge-series.js';
import type { Recorder } from '../record/recorder.js';
import { busiestConversations } from './flows.js';
import type { NetworkSampleAvailable } from './network.js';

/** The metric names of network traffic (see the module doc for units, labels and sources). */
export const NETWORK_METRICS = {
  io: 'system.network.io',
  packets: 'system.network.packets',
  protocolPackets: 'system.network.protocol.packets',
  tcpRetransmits: 'system.network.tcp.retransmits',
  connections: 'system.network.connections',
  flowIo: 'system.network.flow.io',
} as const;

/** The `direction` label values (OpenTelemetry's `network.io.direction`). */
export const RECEIVE = 'receive';
/** Bytes or packets sent. */
export const TRANSMIT = 'transmit';

/**
 * Interfaces left out of every network total (live and history): traffic over loopback is
 * counted on `lo` both as received and as transmitted and never leaves the host.
 */
export const LOOPBACK_INTERFACES: readonly string[] = ['lo'];

/**
 * The most conversations recorded per collection interval (and shown per window). Each is one
 * stored row per minute, and a week of history is read whole: five keep it fast to answer.
 */
export const FLOWS_PER_INTERVAL = 5;

/**
 * Turns network samples into counter and gauge series of a recorder. Handles are looked up
 * per sample rather than cached here: interface and conversation names come and go, and the
 * recorder's own map is the one that is bounded.
 */
export class NetworkMetricsRecorder {
  private connections: GaugeSeries | undefined;

  /**
   * @param recorder where the series live.
   * @param labels the labels every series carries (service, instance, env, …).
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly labels: Labels,
  ) {}

  /** Records every increase `sample` holds; null increases (a first sample, a new interface) record nothing. */
  record(sample: NetworkSampleAvailable): void {
    const m = NETWORK_METRICS;
    for (const row of sample.interfaces) {
      this.addPositive(m.io, { direction: RECEIVE, interface: row.name }, row.rxBytes);
      this.addPositive(m.io, { direction: TRANSMIT, interface: row.name }, row.txBytes);
      this.addPositive(m.packets, { direction: RECEIVE, interface: row.name }, row.rxPackets);
      this.addPositive(m.packets, { direction: TRANSMIT, interface: row.name }, row.txPackets);
    }
    const p = sample.protocols;
    if (p !== null) {
      this.add(m.protocolPackets, { protocol: 'tcp' }, both(p.tcp.inSegs, p.tcp.outSegs));
      this.add(m.protocolPackets, { protocol: 'udp' }, both(p.udp.inDatagrams, p.udp.outDatagrams));
      this.add(m.protocolPackets, { protocol: 'icmp' }, both(p.icmp.inMsgs, p.icmp.outMsgs));
      this.add(m.tcpRetransmits, {}, p.tcp.retransSegs);
      if (p.tcp.currEstab !== null) {
        this.connections ??= this.recorder.gauge(m.connections, { ...this.labels, protocol: 'tcp' });
        this.connections.set(p.tcp.currEstab);
      }
    }
    for (const c of busiestConversations(sample.busiestConnections, FLOWS_PER_INTERVAL)) {
      this.addPositive(m.flowIo, { local: c.local, peer: c.peer }, c.bytesSent + c.bytesReceived);
    }
  }

  private addPositive(metric: string, labels: Labels, increase: number | null): void {
    if (increase !== null && increase > 0) this.add(metric, labels, increase);
  }

  private add(metric: string, labels: Labels, increase: number | null): void {
    if (increase !== null) this.recorder.counter(metric, { ...this.labels, ...labels }).add(increase);
  }
}

/** Received plus sent, null when either is unknown (a first sample). */
function both(received: number | null, sent: number | null): number | null {
  return received === null || sent === null ? null : received + sent;
}
