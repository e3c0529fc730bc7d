import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { HTTP_DURATION_METRIC } from '../../src/collect/http.js';
import { HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { exactQuantile } from '../../src/model/sketch.js';
import { bucketStart } from '../../src/model/time.js';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createVelocity } from '../../src/velocity.js';
import { instanceRequests, MAINTENANCE_INTERVAL_MS, type InstanceRequest } from '../support/instances.js';
import { createTestDatabase, postgresSkipReason } from '../support/postgres.js';
import { skipUnlessSelected } from './conformance.js';

const skip = skipUnlessSelected('postgres') || (await postgresSkipReason());

/** A child process running test/fixtures/instance.ts, with the lines it printed so far. */
interface Instance {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  stderr: string;
  /** Resolves once the child has printed `line`. */
  printed(line: string): Promise<void>;
}

/** Starts instance `index` (named `many-<index + 1>`) on the database at `url`. */
function startInstance(url: string, index: number): Instance {
  const name = `many-${index + 1}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/instance.ts', url, name, String(index)]);
  const lines: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  const instance: Instance = {
    name,
    child,
    lines,
    stderr: '',
    printed: (line) =>
      lines.includes(line) ? Promise.resolve() : new Promise((resolve) => waiters.push({ line, resolve })),
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) if (waiter.line === line) waiter.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => void (instance.stderr += chunk.toString()));
  return instance;
}

/** Rejects after `ms` with what the instances said, unless `promise` settles first. */
async function within<T>(ms: number, promise: Promise<T>, instances: readonly Instance[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out; stderr:\n${instances.map((i) => i.stderr).join('\n')}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The exact p95 (the sketch's rank definition) of the durations of `requests`. */
function exactP95(requests: readonly InstanceRequest[]): number {
  return exactQuantile(requests.map((r) => r.durationMs).sort((a, b) => a - b), 0.95);
}

function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / exact;
}

describe('three instances on one PostgreSQL database', { skip }, () => {
  it('all windows arrive, maintenance runs once per cycle, and history merges them (p95 of the union)', async (t) => {
    const db = await createTestDatabase();
    const instances = [0, 1, 2].map((index) => startInstance(db.url, index));
    try {
      await within(20_000, Promise.all(instances.map((i) => i.printed('loaded'))), instances);
      // One clock for all three, set so that a minute ends 3 s into the recording: each
      // instance writes the sealed minute on its flush timer and the open one when it is
      // stopped. The minute is a half hour, so that all the data lies within one hour.
      const now = Date.now();
      const boundary = bucketStart(now, HOUR_MS) + 30 * MINUTE_MS;
      const offsetMs = boundary - (now + 3_000);
      // Started a third of a cycle apart, their maintenance timers fire at different moments:
      // only the job's recorded last run keeps the two that find the lock free from running it.
      for (const { child } of instances) {
        child.stdin.write(`go ${offsetMs}\n`);
        await sleep(MAINTENANCE_INTERVAL_MS / 3);
      }
      await within(20_000, Promise.all(instances.map((i) => i.printed('done'))), instances);
      await sleep(1.5 * MAINTENANCE_INTERVAL_MS);
      for (const { child } of instances) child.kill('SIGTERM');
      const exits = await Promise.all(instances.map(({ child }) => once(child, 'exit')));
      assert.deepEqual(exits.map(([code, signal]) => signal ?? code), ['SIGTERM', 'SIGTERM', 'SIGTERM']);
      assert.deepEqual(instances.map((i) => i.stderr), ['', '', ''], 'no problems logged');

      const store = createPostgresStore({ url: db.url });
      const velocity = createVelocity({ store, timers: false, handleSignals: false, clock: () => Date.now() + offsetMs });
      try {
        // Every window of every instance, counted per instance, route and status class.
        const series = await store.listSeries(HTTP_DURATION_METRIC);
        const windows = await store.readWindows('1m', series.map((s) => s.id), boundary - HOUR_MS, boundary + HOUR_MS);
        const byId = new Map(series.map((s) => [s.id, s.labels]));
        const stored = new Map<string, number>();
        const minutes = new Map<string, Set<number>>();
        for (const w of windows) {
          const labels = byId.get(w.seriesId) as Record<string, string>;
          const key = `${labels.instance} ${labels.route} ${labels.status_class}`;
          stored.set(key, (stored.get(key) ?? 0) + w.count);
          const seen = minutes.get(labels.instance) ?? new Set<number>();
          minutes.set(labels.instance, seen.add(w.start));
        }
        const expected = new Map<string, number>();
        for (const [index, { name }] of instances.entries()) {
          for (const r of instanceRequests(index)) {
            const key = `${name} ${r.route} ${r.status === 500 ? '5xx' : '2xx'}`;
            expected.set(key, (expected.get(key) ?? 0) + 1);
          }
        }
        assert.deepEqual(new Map([...stored].sort()), new Map([...expected].sort()));
        for (const { name } of instances) {
          assert.deepEqual([...(minutes.get(name) ?? [])].sort(), [boundary - MINUTE_MS, boundary], `${name}'s minutes`);
        }

        // Maintenance: never twice within 90 % of a cycle, never a cycle without it (allowing
        // for the phase between two instances' timers when the turn passes from one to another).
        const runs = instances
          .flatMap((i) => i.lines.filter((line) => line.startsWith('maintenance retention ')).map((line) => ({
            instance: i.name,
            at: Number(line.split(' ')[2]),
          })))
          .sort((a, b) => a.at - b.at);
        const gaps = runs.slice(1).map((run, k) => run.at - runs[k].at);
        t.diagnostic(`${runs.length} maintenance runs by ${[...new Set(runs.map((r) => r.instance))].join(', ')}; gaps ${gaps.join(', ')} ms`);
        assert.ok(runs.length >= 6, `${runs.length} runs`);
        for (const gap of gaps) {
          assert.ok(gap >= 0.9 * MAINTENANCE_INTERVAL_MS && gap < 2 * MAINTENANCE_INTERVAL_MS, `gap of ${gap} ms between runs`);
        }
        const retentionRows = (await maintenanceRows(db.url)).filter((row) => row.job === 'retention');
        assert.deepEqual(retentionRows, [{ job: 'retention', last_run: runs[runs.length - 1].at }]);

        // History merges the three instances' sketches: p95 of the union, and per instance.
        const hour = { start: new Date(boundary - 30 * MINUTE_MS).toISOString(), end: new Date(boundary + 30 * MINUTE_MS).toISOString(), step: '1h' };
        const all = instances.flatMap((_, index) => instanceRequests(index));
        const [merged] = (await velocity.history(hour)).points ?? [];
        assert.equal(merged.count, all.length);
        const unionP95 = exactP95(all);
        assert.ok(relativeError(merged.p95_ms as number, unionP95) <= 0.01, `p95 ${merged.p95_ms} vs exact ${unionP95}`);
        const perInstance = instances.map((_, index) => exactP95(instanceRequests(index)));
        const meanOfP95s = perInstance.reduce((sum, p) => sum + p, 0) / perInstance.length;
        assert.ok(relativeError(meanOfP95s, unionP95) > 0.05, 'the data tells a merge from an average');
        for (const [index, { name }] of instances.entries()) {
          const [point] = (await velocity.history({ ...hour, instance: name })).points ?? [];
          assert.equal(point.count, instanceRequests(index).length, name);
          assert.ok(relativeError(point.p95_ms as number, perInstance[index]) <= 0.01, `${name}: p95 ${point.p95_ms} vs exact ${perInstance[index]}`);
        }
      } finally {
        await velocity.close();
      }
    } finally {
      for (const { child } of instances) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await db.drop();
    }
  });
});

/** The rows of `velocity_maintenance` in the database at `url`, last runs in epoch ms. */
async function maintenanceRows(url: string): Promise<Array<{ job: string; last_run: number }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ job: string; last_run: string }>(
      'SELECT job, (extract(epoch FROM last_run) * 1000)::int8::text AS last_run FROM velocity_maintenance ORDER BY job',
    );
    return rows.map((row) => ({ job: row.job, last_run: Number(row.last_run) }));
  } finally {
    await client.end();
  }
}
