import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NetworkSampler, runSs, type NetworkSampleAvailable } from '../../src/collect/network.js';
import { HAS_SS, LINUX, loopbackPair, procNetDev } from '../support/proc-net.js';
import { tempDir } from '../support/tmp.js';

const snmp = (inSegs: number, outSegs: number, estab: number, udpIn: number) => `Icmp: InMsgs InErrors OutMsgs
Icmp: 1 0 2
Tcp: ActiveOpens CurrEstab InSegs OutSegs RetransSegs
Tcp: 10 ${estab} ${inSegs} ${outSegs} 3
Udp: InDatagrams OutDatagrams InErrors
Udp: ${udpIn} 5 0
`;

function available(s: Awaited<ReturnType<NetworkSampler['sample']>>): NetworkSampleAvailable {
  assert.ok(s.available, 'sample should be available');
  return s;
}

describe('NetworkSampler on fixture counters', () => {
  it('reports nothing but a baseline first, then per-interval increases with wrap and reset events', async () => {
    const { dir, remove } = tempDir();
    try {
      mkdirSync(join(dir, 'net'));
      const write = (devText: string, snmpText: string) => {
        writeFileSync(join(dir, 'net', 'dev'), devText);
        writeFileSync(join(dir, 'net', 'snmp'), snmpText);
      };
      const sampler = new NetworkSampler({ procRoot: dir, platform: 'linux', topConnections: 0 });
      write(procNetDev([['lo', 1000, 10, 1000, 10], ['eth0', 4294967000, 100, 5_000_000, 50]]), snmp(100, 200, 4, 7));
      const first = available(await sampler.sample());
      assert.equal(first.intervalMs, null);
      assert.equal(first.totals, null);
      assert.deepEqual(first.interfaces[1], { name: 'eth0', rxBytes: null, rxPackets: null, txBytes: null, txPackets: null });
      assert.equal(first.protocols?.tcp.inSegs, null);
      assert.equal(first.protocols?.tcp.currEstab, 4);

      write(procNetDev([['lo', 6000, 20, 6000, 20], ['eth0', 704, 110, 300, 53], ['wlan0', 9, 1, 9, 1]]) + 'broken\n', snmp(150, 260, 5, 7) + 'Ip: X\n');
      const second = available(await sampler.sample());
      assert.ok(second.intervalMs !== null && second.intervalMs >= 0);
      assert.deepEqual(second.interfaces, [
        { name: 'lo', rxBytes: 5000, rxPackets: 10, txBytes: 5000, txPackets: 10 },
        { name: 'eth0', rxBytes: 1000, rxPackets: 10, txBytes: 300, txPackets: 3 },
        { name: 'wlan0', rxBytes: null, rxPackets: null, txBytes: null, txPackets: null },
      ]);
      assert.deepEqual(second.totals, { rxBytes: 1000, rxPackets: 10, txBytes: 300, txPackets: 3 }, 'lo excluded, wlan0 only a baseline');
      assert.deepEqual(second.events, [
        { key: 'dev:eth0:rxBytes', kind: 'wrap32' },
        { key: 'dev:eth0:txBytes', kind: 'reset' },
      ]);
      assert.deepEqual(second.protocols, {
        tcp: { inSegs: 50, outSegs: 60, retransSegs: 0, activeOpens: 0, currEstab: 5 },
        udp: { inDatagrams: 0, outDatagrams: 0, inErrors: 0 },
        icmp: { inMsgs: 0, outMsgs: 0 },
      });
      assert.deepEqual(
        second.skipped.map((s) => [s.source, s.line]),
        [
          ['dev', 'broken'],
          ['snmp', 'Ip: X'],
        ],
      );
      assert.deepEqual(second.errors, []);
    } finally {
      remove();
    }
  });

  it('reports a missing file as an error, not a throw', async () => {
    const { dir, remove } = tempDir();
    try {
      const s = available(await new NetworkSampler({ procRoot: dir, platform: 'linux', topConnections: 0 }).sample());
      assert.deepEqual(s.interfaces, []);
      assert.equal(s.protocols, null);
      assert.deepEqual(
        s.errors.map((e) => e.source),
        [join(dir, 'net', 'dev'), join(dir, 'net', 'snmp')],
      );
    } finally {
      remove();
    }
  });

  it('is unavailable, with a reason, elsewhere than Linux', async () => {
    const s = await new NetworkSampler({ platform: 'darwin' }).sample();
    assert.equal(s.available, false);
    assert.match((s as { reason: string }).reason, /Linux.*darwin/);
  });
});

describe('runSs', () => {
  it('returns no connections and an error when ss is missing', async () => {
    const r = await runSs('/nonexistent/ss');
    assert.deepEqual(r.connections, []);
    assert.match(r.error ?? '', /not found \(install iproute2\)/);
  });
});

describe('NetworkSampler on this machine', { skip: !LINUX && 'Linux only' }, () => {
  it('sees loopback HTTP traffic in lo, TCP segments and, with ss, the busiest connection', async () => {
    const pair = await loopbackPair(1 << 20); // 1 MiB each way per request
    try {
      assert.equal(await pair.exchange(), pair.bytes); // the connection exists before the baseline
      const sampler = new NetworkSampler();
      const baseline = available(await sampler.sample());
      assert.deepEqual(baseline.errors, HAS_SS ? [] : [{ source: 'ss', message: 'ss not found (install iproute2)' }]);
      assert.deepEqual(baseline.busiestConnections, []);
      for (let i = 0; i < 3; i++) assert.equal(await pair.exchange(), pair.bytes);
      const s = available(await sampler.sample());

      const lo = s.interfaces.find((i) => i.name === 'lo');
      assert.ok(lo && lo.rxBytes !== null && lo.rxBytes >= 6 * pair.bytes, `lo ${JSON.stringify(lo)}`);
      assert.equal(lo.rxBytes, lo.txBytes, 'loopback counts each byte as received and sent');
      assert.ok(lo.rxPackets !== null && lo.rxPackets > 0);
      assert.ok(s.totals !== null && Object.values(s.totals).every((v) => v >= 0));
      const tcp = s.protocols?.tcp;
      assert.ok(tcp && tcp.inSegs !== null && tcp.inSegs > 0 && tcp.outSegs !== null && tcp.outSegs > 0, JSON.stringify(tcp));
      assert.ok(tcp.currEstab !== null && tcp.currEstab >= 2);
      assert.ok(s.intervalMs !== null && s.intervalMs >= 0);

      if (!HAS_SS) return;
      assert.deepEqual(s.errors, []);
      // the client's and the server's socket of the one keep-alive connection; other processes' busier flows may rank above them
      const ours = s.busiestConnections.filter((c) => c.local === `127.0.0.1:${pair.port}` || c.peer === `127.0.0.1:${pair.port}`);
      assert.equal(ours.length, 2, JSON.stringify(s.busiestConnections));
      for (const c of ours) {
        // three exchanges in the interval: 3 MiB each way plus HTTP headers; the first exchange was before the
        // baseline. The peer's last ACKs of an exchange may land on either side of an `ss` run, hence the margin.
        for (const bytes of [c.bytesAcked, c.bytesReceived]) {
          assert.ok(bytes >= 2.9 * pair.bytes && bytes < 3.1 * pair.bytes, `interval bytes ${bytes}`);
        }
        assert.ok(c.totalBytesAcked >= 3.9 * pair.bytes && c.totalBytesReceived >= 3.9 * pair.bytes);
        assert.equal(c.state, 'ESTAB');
      }
      for (let i = 1; i < s.busiestConnections.length; i++) {
        const [a, b] = [s.busiestConnections[i - 1], s.busiestConnections[i]];
        assert.ok(a.bytesAcked + a.bytesReceived >= b.bytesAcked + b.bytesReceived, 'busiest first');
      }
    } finally {
      await pair.close();
    }
  });
});
