import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CounterDelta, parseNetDev, parseSnmp, parseSsTcpInfo } from '../../src/collect/proc-net.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 18514350219 9658370    0    0    0     0          0         0 18514350219 9658370    0    0    0     0       0          0
  eth0: 1067682498   32608    0    0    0     0          0         0  2662417   22838    0    0    0     0       0          0
 big0: 18446744073709551615 1 0 0 0 0 0 0 9007199254740993 2 0 0 0 0 0 0
garbage line
  bad0: 1 2 3
  neg0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
`;

const SNMP = `Ip: Forwarding DefaultTTL InReceives
Ip: 2 64 9690690
Icmp: InMsgs InErrors OutMsgs
Icmp: 7 0 9
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 3293 2474 620 19 17 9690703 9680514 567 0 980 0
Udp: InDatagrams NoPorts InErrors OutDatagrams
Udp: 246 0 0
UdpLite: InDatagrams NoPorts
UdpLite: 0 0
`;

const SS = `State Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
ESTAB 0      0          127.0.0.1:43316    127.0.0.1:4369
\t bbr wscale:10,10 rto:204 rtt:0.105/0.06 mss:32768 cwnd:11 bytes_sent:21 bytes_acked:22 bytes_received:6 segs_out:4 segs_in:3 data_segs_out:1
ESTAB 0      0      [::ffff:192.0.2.2]:37184 [2001:db8::1]:443
\t cubic wscale:7,7 rto:204 bytes_acked:16565 bytes_received:49687968 segs_out:471
\t delivery_rate 92170936bps app_limited
SYN-SENT 0      1          10.0.0.1:5555    10.0.0.2:80
\t cubic rto:1000 backoff:1
\t stray info line
this is not a socket line
`;

describe('parseNetDev', () => {
  it('reads bytes and packets per interface as exact 64-bit counters and skips malformed lines with a reason', () => {
    const { interfaces, skipped } = parseNetDev(NET_DEV);
    assert.deepEqual(interfaces, [
      { name: 'lo', rxBytes: 18514350219n, rxPackets: 9658370n, txBytes: 18514350219n, txPackets: 9658370n },
      { name: 'eth0', rxBytes: 1067682498n, rxPackets: 32608n, txBytes: 2662417n, txPackets: 22838n },
      { name: 'big0', rxBytes: 18446744073709551615n, rxPackets: 1n, txBytes: 9007199254740993n, txPackets: 2n },
    ]);
    assert.deepEqual(
      skipped.map((s) => [s.line.split(/\s/)[0], s.reason]),
      [
        ['garbage', 'no "interface:" prefix'],
        ['bad0:', 'expected 16 unsigned counters after the interface name'],
        ['neg0:', 'expected 16 unsigned counters after the interface name'],
      ],
    );
  });
});

describe('parseSnmp', () => {
  it('pairs header and value lines per protocol, negative values included', () => {
    const { table, skipped } = parseSnmp(SNMP);
    assert.equal(table.Tcp.InSegs, 9690703n);
    assert.equal(table.Tcp.OutSegs, 9680514n);
    assert.equal(table.Tcp.RetransSegs, 567n);
    assert.equal(table.Tcp.ActiveOpens, 3293n);
    assert.equal(table.Tcp.CurrEstab, 17n);
    assert.equal(table.Tcp.MaxConn, -1n);
    assert.deepEqual(table.Icmp, { InMsgs: 7n, InErrors: 0n, OutMsgs: 9n });
    assert.deepEqual(table.UdpLite, { InDatagrams: 0n, NoPorts: 0n });
    assert.equal(table.Udp, undefined);
    assert.deepEqual(skipped, [{ line: 'Udp: 246 0 0', reason: '4 names but 3 values, or a non-integer value' }]);
  });

  it('resynchronises after a line of another protocol and reports a lone header', () => {
    const { table, skipped } = parseSnmp('Ip: A B\nTcp: X\nTcp: 5\nUdp: Y\n');
    assert.deepEqual(table, { Tcp: { X: 5n } });
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['header and value lines name different protocols (Ip: / Tcp:)', 'header line without a value line'],
    );
  });
});

describe('parseSsTcpInfo', () => {
  it('reads byte counts across continuation lines, IPv6 addresses included; skips sockets without them', () => {
    const { connections, skipped } = parseSsTcpInfo(SS);
    assert.deepEqual(connections, [
      { state: 'ESTAB', local: '127.0.0.1:43316', peer: '127.0.0.1:4369', bytesAcked: 22n, bytesReceived: 6n, bytesSent: 21n },
      { state: 'ESTAB', local: '[::ffff:192.0.2.2]:37184', peer: '[2001:db8::1]:443', bytesAcked: 16565n, bytesReceived: 49687968n, bytesSent: null },
    ]);
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['not a socket line (State Recv-Q Send-Q Local Peer)', 'no bytes_acked / bytes_received in its tcp_info'],
    );
  });

  it('reports an info line that comes before any socket', () => {
    assert.deepEqual(parseSsTcpInfo('\t bytes_acked:1 bytes_received:2\n').skipped, [
      { line: 'bytes_acked:1 bytes_received:2', reason: 'tcp_info line before any socket line' },
    ]);
  });
});

describe('CounterDelta', () => {
  it('gives null on first sight, then increases', () => {
    const d = new CounterDelta();
    assert.deepEqual(d.update('a', 100n), { delta: null, kind: 'first' });
    assert.deepEqual(d.update('a', 150n), { delta: 50, kind: 'increase' });
    assert.deepEqual(d.update('a', 150n), { delta: 0, kind: 'increase' });
    assert.deepEqual(d.update('b', 7n), { delta: null, kind: 'first' });
  });

  it('handles a 32-bit wrap', () => {
    const d = new CounterDelta();
    d.update('a', 4294967000n); // 2^32 − 296
    assert.deepEqual(d.update('a', 100n), { delta: 396, kind: 'wrap32' });
  });

  it('handles a 64-bit wrap', () => {
    const d = new CounterDelta();
    d.update('a', 18446744073709551000n); // 2^64 − 616
    assert.deepEqual(d.update('a', 1000n), { delta: 1616, kind: 'wrap64' });
  });

  it('treats a fall with no plausible wrap as a reset: the increase is the new value', () => {
    const d = new CounterDelta();
    d.update('a', 1_000_000n); // far below 2^31: not near any wrap
    assert.deepEqual(d.update('a', 500n), { delta: 500, kind: 'reset' });
    d.update('b', 10_000_000_000n); // above 2^32, far below 2^63
    assert.deepEqual(d.update('b', 42n), { delta: 42, kind: 'reset' });
    d.update('c', 4294967000n);
    assert.deepEqual(d.update('c', 3000000000n), { delta: 3000000000, kind: 'reset' }, 'a wrap this large is implausible');
  });

  it('forgets keys not retained', () => {
    const d = new CounterDelta();
    d.update('a', 1n);
    d.update('b', 1n);
    d.retain(new Set(['a']));
    assert.equal(d.update('a', 2n).kind, 'increase');
    assert.equal(d.update('b', 2n).kind, 'first');
  });
});
