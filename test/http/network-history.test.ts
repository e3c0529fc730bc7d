import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NetworkMetricsRecorder } from '../../src/collect/network-metrics.js';
import { NetworkSampler } from '../../src/collect/network.js';
import { MINUTE_MS } from '../../src/model/duration.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { Velocity } from '../../src/velocity.js';
import { listen } from '../support/http.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { testClock, testVelocity } from '../support/velocity.js';
import { skipUnlessSelected } from '../store/conformance.js';
import { HAS_SS, LINUX, PROC_NET_DEV_HEAD, loopbackPair } from '../support/proc-net.js';

const T0 = Date.parse('2026-11-20T14:00:00Z');
const S0 = T0 / 1000;
/** Cumulative counters of one collection: lo and eth0 bytes/packets, TCP/UDP/ICMP in and out. */
interface Counters {
  lo: number;
  eth0Rx: number;
  eth0Tx: number;
  tcpIn: number;
  tcpOut: number;
  udpIn: number;
  udpOut: number;
  icmpIn: number;
}
const devText = (c: Counters) =>
  PROC_NET_DEV_HEAD +
  `    lo: ${c.lo} ${c.lo / 100} 0 0 0 0 0 0 ${c.lo} ${c.lo / 100} 0 0 0 0 0 0\n` +
  `  eth0: ${c.eth0Rx} ${c.eth0Rx / 1000} 0 0 0 0 0 0 ${c.eth0Tx} ${c.eth0Tx / 1000} 0 0 0 0 0 0\n`;
const snmpText = (c: Counters) => `Icmp: InMsgs InErrors OutMsgs
Icmp: ${c.icmpIn} 0 0
Tcp: ActiveOpens CurrEstab InSegs OutSegs RetransSegs
Tcp: 10 3 ${c.tcpIn} ${c.tcpOut} 0
Udp: InDatagrams OutDatagrams InErrors
Udp: ${c.udpIn} ${c.udpOut} 0
`;

/** Collections at minutes 0 (the baseline), 1, 2, 3 and 5, each a second before the minute ends. */
const COLLECTIONS: Array<[minute: number, counters: Counters]> = [
  [0, { lo: 100_000, eth0Rx: 1_000_000, eth0Tx: 500_000, tcpIn: 1_000, tcpOut: 900, udpIn: 50, udpOut: 40, icmpIn: 2 }],
  [1, { lo: 200_000, eth0Rx: 1_600_000, eth0Tx: 700_000, tcpIn: 1_400, tcpOut: 1_200, udpIn: 60, udpOut: 45, icmpIn: 2 }],
  [2, { lo: 300_000, eth0Rx: 1_700_000, eth0Tx: 701_000, tcpIn: 1_500, tcpOut: 1_260, udpIn: 60, udpOut: 45, icmpIn: 3 }],
  [3, { lo: 300_000, eth0Rx: 4_700_000, eth0Tx: 1_701_000, tcpIn: 4_500, tcpOut: 3_260, udpIn: 70, udpOut: 55, icmpIn: 3 }],
  [5, { lo: 300_000, eth0Rx: 4_760_000, eth0Tx: 1_702_000, tcpIn: 4_560, tcpOut: 3_270, udpIn: 70, udpOut: 55, icmpIn: 3 }],
];

/** What /metrics/history should say of the window of `minute`, from the collections before and at it. */
function expectedWindow(minute: number) {
  const i = COLLECTIONS.findIndex(([m]) => m === minute);
  const [prev, curr] = [COLLECTIONS[i - 1][1], COLLECTIONS[i][1]];
  const bytes = curr.eth0Rx - prev.eth0Rx + (curr.eth0Tx - prev.eth0Tx);
  return {
    timestamp: S0 + (minute + 1) * 60,
    window_start: S0 + minute * 60,
    total_bytes: bytes,
    total_packets: (curr.eth0Rx - prev.eth0Rx) / 1000 + (curr.eth0Tx - prev.eth0Tx) / 1000,
    bytes_per_second: Math.round((bytes / 60) * 1000) / 1000,
    protocol_breakdown: {
      TCP: curr.tcpIn - prev.tcpIn + (curr.tcpOut - prev.tcpOut),
      UDP: curr.udpIn - prev.udpIn + (curr.udpOut - prev.udpOut),
      ICMP: curr.icmpIn - prev.icmpIn,
    },
    protocol_breakdown_unit: 'packets',
  };
}

function networkHistorySuite(name: string, skip: string | false, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>): void {
  describe(`GET /metrics/history over ${name}`, { skip }, () => {
    const clock = testClock(T0);
    let velocity: Velocity;
    let base = '';
    let closeServer: () => Promise<void> = async () => {};
    let cleanup: () => Promise<void> = async () => {};
    let flowService = '';
    const proc = tempDir();

    before(async () => {
      const opened = await open();
      cleanup = opened.cleanup;
      velocity = testVelocity(clock, { store: opened.store });
      await velocity.ready;
      mkdirSync(join(proc.dir, 'net'));
      const sampler = new NetworkSampler({ procRoot: proc.dir, platform: 'linux', topConnections: 1_000_000 });
      const metrics = new NetworkMetricsRecorder(velocity.recorder, { service: 'api', instance: 'i1' });
      const pair = await loopbackPair(256 * 1024);
      await pair.exchange(); // the connection exists before the collections start
      try {
        for (const [minute, counters] of COLLECTIONS) {
          if (minute === 2) for (let i = 0; i < 4; i++) await pair.exchange(); // 1 MiB each way within minute 2
          clock.set(T0 + minute * MINUTE_MS + 59_000);
          velocity.rotate(); // as the minute timer would have
          writeFileSync(join(proc.dir, 'net', 'dev'), devText(counters));
          writeFileSync(join(proc.dir, 'net', 'snmp'), snmpText(counters));
          const sample = await sampler.sample();
          assert.ok(sample.available);
          metrics.record(sample);
          clock.set(T0 + (minute + 1) * MINUTE_MS + 1_000);
          velocity.rotate();
        }
        flowService = pair.service();
      } finally {
        await pair.close();
      }
      clock.set(T0 + 7 * MINUTE_MS);
      await velocity.flush();
      const server = await listen(createServer(velocity.nodeMiddleware));
      base = server.url;
      closeServer = server.close;
    });

    after(async () => {
      await closeServer();
      await velocity?.close();
      await cleanup();
      proc.remove();
    });

    const get = async (path: string): Promise<{ status: number; body: any; headers: Headers }> => {
      const response = await fetch(`${base}${path}`);
      return { status: response.status, body: await response.json(), headers: response.headers };
    };
    const withoutFlows = (w: Record<string, unknown>) => {
      const { active_flows: _flows, ...rest } = w;
      return rest;
    };

    it('answers the stored minutes newest first, lo left out of the totals, packets per protocol', async () => {
      const { status, body, headers } = await get(`/metrics/history?start=${S0}&end=${S0 + 600}`);
      assert.equal(status, 200);
      assert.equal(headers.get('cache-control'), 'no-store');
      assert.deepEqual([body.start, body.end], [S0, S0 + 600]);
      assert.deepEqual(body.windows.map(withoutFlows), [expectedWindow(5), expectedWindow(3), expectedWindow(2), expectedWindow(1)]);
    });

    it('lists the busiest TCP conversations of each window', { skip: (!LINUX || !HAS_SS) && 'needs ss on Linux' }, async () => {
      const { body } = await get(`/metrics/history?start=${S0 + 120}&end=${S0 + 180}`);
      assert.equal(body.windows.length, 1);
      const flows = body.windows[0].active_flows as Array<Record<string, any>>;
      assert.ok(flows.length >= 2 && flows.length <= 5, JSON.stringify(flows));
      for (let i = 1; i < flows.length; i++) assert.ok(flows[i - 1].bytes >= flows[i].bytes, 'busiest first');
      // the client's and the server's socket of the one keep-alive connection: 1 MiB each way plus headers
      const ours = flows.filter((f) => f.local === flowService || f.peer === flowService);
      assert.equal(ours.length, 2, JSON.stringify(flows));
      for (const f of ours) {
        assert.deepEqual(Object.keys(f), ['protocol', 'local', 'peer', 'bytes']);
        assert.equal(f.protocol, 'TCP');
        assert.match(`${f.local} ${f.peer}`, /127\.0\.0\.1:\*/);
        assert.ok(f.bytes >= 2 * 1_048_576 && f.bytes < 2_200_000, `${f.bytes}`);
      }
    });

    it('keeps the newest `limit` windows, and defaults to the last 24 hours', async () => {
      const limited = await get(`/metrics/history?start=${S0}&end=${S0 + 600}&limit=2`);
      assert.deepEqual(limited.body.windows.map((w: { window_start: number }) => w.window_start), [S0 + 300, S0 + 180]);
      const defaults = await get('/metrics/history');
      assert.deepEqual([defaults.body.start, defaults.body.end], [S0 + 420 - 86_400, S0 + 420]);
      assert.equal(defaults.body.windows.length, 4);
      const other = await get(`/metrics/history?instance=i2`);
      assert.deepEqual(other.body.windows, []);
    });

    it('refuses bad parameters with a 400 that says what is wrong', async () => {
      const cases: Array<[string, string, RegExp]> = [
        [`start=${S0 + 60}&end=${S0}`, 'start', /must not be after end/],
        ['start=yesterday', 'start', /"yesterday" is not a time in unix seconds/],
        ['end=-60', 'end', /must not be negative/],
        ['limit=0', 'limit', /between 1 and 43200/],
        ['limit=ten', 'limit', /"ten" is not a whole number/],
        [`start=${S0 - 31 * 86_400}&end=${S0}`, 'start', /at most 30d/],
        ['step=1m', 'step', /unknown parameter/],
      ];
      for (const [query, param, message] of cases) {
        const { status, body } = await get(`/metrics/history?${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.param, param, query);
        assert.match(body.error, message, query);
      }
    });
  });
}

networkHistorySuite('SQLite', skipUnlessSelected('sqlite'), async () => {
  const tmp = tempDir();
  const store = createSqliteStore({ path: join(tmp.dir, 'velocity.db') });
  return { store, cleanup: async () => tmp.remove() };
});

let database: TestDatabase | undefined;
networkHistorySuite('PostgreSQL', skipUnlessSelected('postgres') || (await postgresSkipReason()), async () => {
  database = await createTestDatabase();
  const store = createPostgresStore({ url: database.url });
  return { store, cleanup: async () => database?.drop() };
});
