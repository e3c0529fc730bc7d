import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { busiestConversations, conversationEndpoints, splitAddress } from '../../src/collect/flows.js';
import { NETWORK_METRICS, NetworkMetricsRecorder } from '../../src/collect/network-metrics.js';
import { NetworkSampler, type BusyConnection, type NetworkSampleAvailable } from '../../src/collect/network.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { Window } from '../../src/model/window.js';
import { Recorder } from '../../src/record/recorder.js';
import { HAS_SS, LINUX, loopbackPair, procNetDev } from '../support/proc-net.js';
import { tempDir } from '../support/tmp.js';

const T0 = Date.parse('2026-11-20T14:05:00Z');
const labels = { service: 'api', instance: 'i1' };
const snmp = (tcpIn: number, tcpOut: number, retrans: number, udpIn: number, udpOut: number, icmpIn: number) => `Icmp: InMsgs InErrors OutMsgs
Icmp: ${icmpIn} 0 0
Tcp: ActiveOpens CurrEstab InSegs OutSegs RetransSegs
Tcp: 10 7 ${tcpIn} ${tcpOut} ${retrans}
Udp: InDatagrams OutDatagrams InErrors
Udp: ${udpIn} ${udpOut} 0
`;

const connection = (local: string, peer: string, bytesAcked: number, bytesReceived: number): BusyConnection => ({
  state: 'ESTAB',
  local,
  peer,
  bytesAcked,
  bytesReceived,
  totalBytesAcked: bytesAcked,
  totalBytesReceived: bytesReceived,
});

/** `metric{label=value,…}` → sum, for the windows of one seal. */
function sums(windows: readonly Window[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const w of windows) {
    const { service: _s, instance: _i, ...own } = w.series.labels;
    const pairs = Object.entries(own).sort(([a], [b]) => a.localeCompare(b));
    const key = `${w.series.metric}{${pairs.map(([k, v]) => `${k}=${v}`).join(',')}}`;
    result.set(key, w.last ?? w.sum);
  }
  return result;
}

describe('TCP conversations', () => {
  it('splits ss addresses, IPv6 and scoped ones included', () => {
    assert.deepEqual(splitAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(splitAddress('[::ffff:10.0.0.1]:443'), { host: '[::ffff:10.0.0.1]', port: 443 });
    assert.deepEqual(splitAddress('127.0.0.53%lo:53'), { host: '127.0.0.53%lo', port: 53 });
    assert.deepEqual(splitAddress('*'), { host: '*', port: null });
  });

  it('drops the higher, ephemeral port of a connection', () => {
    assert.deepEqual(conversationEndpoints('10.0.0.5:8080', '10.0.0.9:51234'), { local: '10.0.0.5:8080', peer: '10.0.0.9:*' });
    assert.deepEqual(conversationEndpoints('10.0.0.5:40112', '10.0.0.7:5432'), { local: '10.0.0.5:*', peer: '10.0.0.7:5432' });
    assert.deepEqual(conversationEndpoints('[::1]:9000', '[::1]:9000'), { local: '[::1]:9000', peer: '[::1]:*' });
  });

  it('folds a pool of connections into one conversation, busiest first, idle ones left out', () => {
    const conversations = busiestConversations(
      [
        connection('10.0.0.5:8080', '10.0.0.9:50001', 1_000, 200),
        connection('10.0.0.5:8080', '10.0.0.9:50002', 3_000, 100),
        connection('10.0.0.5:41000', '10.0.0.7:5432', 500, 9_000),
        connection('10.0.0.5:8080', '10.0.0.8:50003', 0, 0),
        connection('10.0.0.5:42000', '10.0.0.6:443', 10, 0),
      ],
      2,
    );
    assert.deepEqual(conversations, [
      { local: '10.0.0.5:*', peer: '10.0.0.7:5432', bytesSent: 500, bytesReceived: 9_000 },
      { local: '10.0.0.5:8080', peer: '10.0.0.9:*', bytesSent: 4_000, bytesReceived: 300 },
    ]);
  });
});

describe('NetworkMetricsRecorder', () => {
  it('records per-interface and per-protocol increases as counters, nothing for the baseline', async () => {
    const { dir, remove } = tempDir();
    try {
      mkdirSync(join(dir, 'net'));
      const write = (devText: string, snmpText: string) => {
        writeFileSync(join(dir, 'net', 'dev'), devText);
        writeFileSync(join(dir, 'net', 'snmp'), snmpText);
      };
      const sampler = new NetworkSampler({ procRoot: dir, platform: 'linux', topConnections: 0 });
      const recorder = new Recorder(T0);
      const metrics = new NetworkMetricsRecorder(recorder, labels);
      const take = async (): Promise<NetworkSampleAvailable> => {
        const s = await sampler.sample();
        assert.ok(s.available);
        return s;
      };

      write(procNetDev([['lo', 100, 1, 100, 1], ['eth0', 5_000, 50, 2_000, 20], ['ifb0', 0, 0, 0, 0]]), snmp(100, 90, 1, 10, 10, 3));
      metrics.record(await take());
      const baseline = recorder.rotate(T0 + MINUTE_MS);
      assert.deepEqual([...sums(baseline)], [[`${NETWORK_METRICS.connections}{protocol=tcp}`, 7]], 'only the gauge at the baseline');

      write(procNetDev([['lo', 600, 6, 600, 6], ['eth0', 8_000, 80, 2_500, 25], ['ifb0', 0, 0, 0, 0]]), snmp(150, 120, 4, 10, 12, 3));
      metrics.record(await take());
      const got = sums(recorder.rotate(T0 + 2 * MINUTE_MS));
      assert.deepEqual(
        Object.fromEntries(got),
        {
          'system.network.io{direction=receive,interface=lo}': 500,
          'system.network.io{direction=transmit,interface=lo}': 500,
          'system.network.packets{direction=receive,interface=lo}': 5,
          'system.network.packets{direction=transmit,interface=lo}': 5,
          'system.network.io{direction=receive,interface=eth0}': 3_000,
          'system.network.io{direction=transmit,interface=eth0}': 500,
          'system.network.packets{direction=receive,interface=eth0}': 30,
          'system.network.packets{direction=transmit,interface=eth0}': 5,
          'system.network.protocol.packets{protocol=tcp}': 50 + 30,
          'system.network.protocol.packets{protocol=udp}': 2,
          'system.network.protocol.packets{protocol=icmp}': 0,
          'system.network.tcp.retransmits{}': 3,
          'system.network.connections{protocol=tcp}': 7,
        },
        'the idle ifb0 adds no rows; protocol counters record their zeros',
      );
    } finally {
      remove();
    }
  });

  it('records this machine’s loopback traffic and, with ss, its busiest conversations', { skip: !LINUX && 'Linux only' }, async () => {
    const pair = await loopbackPair(1 << 20);
    try {
      assert.equal(await pair.exchange(), pair.bytes);
      const sampler = new NetworkSampler({ topConnections: 1_000_000 });
      const recorder = new Recorder(T0);
      const metrics = new NetworkMetricsRecorder(recorder, labels);
      const baseline = await sampler.sample();
      assert.ok(baseline.available);
      metrics.record(baseline);
      recorder.rotate(T0 + MINUTE_MS);
      for (let i = 0; i < 3; i++) assert.equal(await pair.exchange(), pair.bytes);
      const sample = await sampler.sample();
      assert.ok(sample.available);
      metrics.record(sample);
      const got = sums(recorder.rotate(T0 + 2 * MINUTE_MS));
      assert.ok((got.get('system.network.io{direction=receive,interface=lo}') ?? 0) >= 6 * pair.bytes);
      assert.ok((got.get('system.network.protocol.packets{protocol=tcp}') ?? 0) > 0);
      if (!HAS_SS) return;
      assert.ok(pair.clientPort() > 0);
      const service = pair.service();
      const flows = [...got].filter(([key]) => key.startsWith(`${NETWORK_METRICS.flowIo}{`) && key.includes(service));
      // the client's and the server's socket, each sending and receiving 3 MiB and headers
      assert.equal(flows.length, 2, JSON.stringify([...got.keys()]));
      for (const [key, bytes] of flows) {
        assert.match(key, /127\.0\.0\.1:\*/);
        assert.ok(bytes >= 5.9 * pair.bytes && bytes < 6.1 * pair.bytes, `${key}: ${bytes}`);
      }
    } finally {
      await pair.close();
    }
  });
});
