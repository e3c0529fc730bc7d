import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getVelocity, registerVelocity, withVelocityRoute } from '../../src/adapters/next.js';
import { createVelocity, type Velocity } from '../../src/velocity.js';
import { tempDir } from '../support/tmp.js';
import { storedRequestCountsIn } from './stored.js';

const NEXT_BIN = resolve('node_modules/next/dist/bin/next');

/** Route handlers the test adds to its copy of examples/next, beside the example's own. */
const TEST_ROUTES: Record<string, string> = {
  'app/api/boom/route.ts': `
import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';
export const GET = withVelocityRoute(getVelocity, '/api/boom', (): Response => {
  throw new Error('boom (thrown on purpose by the test)');
});`,
  'app/api/moved/route.ts': `
import { redirect } from 'next/navigation';
import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';
export const GET = withVelocityRoute(getVelocity, '/api/moved', () => redirect('/api/jobs/1'));`,
  'app/api/gone/route.ts': `
import { notFound } from 'next/navigation';
import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';
export const GET = withVelocityRoute(getVelocity, '/api/gone', () => notFound());`,
  'app/api/slow/route.ts': `
import { getVelocity, withVelocityRoute } from 'velocity-metrics/next';
export const POST = withVelocityRoute(getVelocity, '/api/slow', async () => {
  await new Promise((resolve) => setTimeout(resolve, 40));
  return new Response('slow', { status: 202 });
});`,
};

/** Runs the Next.js CLI; resolves with its output when it exits with 0. */
function runNext(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise(output) : reject(new Error(`next ${args[0]} exited with ${code}:\n${output}`))));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolvePromise) => server.close(resolvePromise));
  return port;
}

/** Waits until `url` answers 200, or fails after `timeoutMs`. */
async function waitFor(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    assert.equal(server.exitCode, null, 'next start is still running');
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

describe('Next.js adapter', () => {
  const savedRuntime = process.env.NEXT_RUNTIME;
  before(() => delete process.env.NEXT_RUNTIME);
  after(() => {
    if (savedRuntime === undefined) delete process.env.NEXT_RUNTIME;
    else process.env.NEXT_RUNTIME = savedRuntime;
  });

  it('registerVelocity creates one instance per process, even when Next.js loads the module twice', async () => {
    assert.equal(registerVelocity({ database: 'memory' }), undefined, 'outside the Node.js runtime it creates nothing');
    assert.equal(getVelocity(), undefined);
    process.env.NEXT_RUNTIME = 'nodejs';
    const first = registerVelocity({ database: 'memory', timers: false, handleSignals: false });
    assert.ok(first);
    // A second evaluation of the module, as a second bundle would make.
    const copy = (await import(new URL('../../src/adapters/next.ts?bundle=2', import.meta.url).href)) as typeof import('../../src/adapters/next.js');
    assert.notEqual(copy.registerVelocity, registerVelocity, 'the module really was evaluated twice');
    assert.equal(copy.registerVelocity({ database: 'memory', timers: false, handleSignals: false }), first);
    assert.equal(copy.getVelocity(), first);
    assert.equal(getVelocity(), first);
    await first.close();
  });

  it('withVelocityRoute called as Next.js calls a route handler: template, status, errors re-thrown', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'v.db');
    const velocity = createVelocity({ database: path, timers: false, handleSignals: false });
    const failure = new Error('failed');
    let resolveVelocity: Velocity | undefined;
    type Context = { params: Promise<{ id: string }> };
    const GET = withVelocityRoute(
      () => resolveVelocity,
      '/api/jobs/[id]',
      async (_request: Request, { params }: Context) => {
        const { id } = await params;
        if (id === 'fail') throw failure;
        if (id === 'redirect') throw Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;replace;/a;b;308;' });
        return Response.json({ id }, { status: id === 'missing' ? 404 : 200 });
      },
    );
    const call = (id: string) => GET(new Request(`http://localhost/api/jobs/${id}`), { params: Promise.resolve({ id }) });
    assert.equal((await call('0')).status, 200, 'before an instance exists, requests pass unrecorded');
    resolveVelocity = velocity;
    for (const id of ['1', '2', '3']) assert.deepEqual(await (await call(id)).json(), { id });
    assert.equal((await call('missing')).status, 404);
    await assert.rejects(call('fail'), (error) => error === failure);
    await assert.rejects(call('redirect'), /NEXT_REDIRECT/);
    await velocity.close();
    const counts = await storedRequestCountsIn(path);
    tmp.remove();
    assert.equal(counts.get('GET /api/jobs/[id] 2xx')?.count, 3);
    assert.equal(counts.get('GET /api/jobs/[id] 4xx')?.count, 1);
    assert.equal(counts.get('GET /api/jobs/[id] 5xx')?.count, 1);
    assert.equal(counts.get('GET /api/jobs/[id] 3xx')?.count, 1, 'a redirect() is counted as the redirect Next.js answers');
    assert.equal(counts.size, 4, [...counts.keys()].join(', '));
  });

  it('a real Next.js app (examples/next, next build + next start) records its route handlers into SQLite', { timeout: 180_000 }, async () => {
    // Inside the repository, so that the app resolves `next` and `velocity-metrics` (this
    // package, built in dist/) as the example does; .tmp/ is ignored by git.
    mkdirSync('.tmp', { recursive: true });
    const appDir = mkdtempSync(join(resolve('.tmp'), 'next-app-'));
    try {
      cpSync('examples/next', appDir, { recursive: true, filter: (source) => !/[\\/](\.next|data|next-env\.d\.ts)$/.test(source) });
      for (const [file, source] of Object.entries(TEST_ROUTES)) {
        mkdirSync(dirname(join(appDir, file)), { recursive: true });
        writeFileSync(join(appDir, file), source.trimStart());
      }
      const dbPath = join(appDir, 'velocity.db');
      const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', VELOCITY_DATABASE_URL: dbPath };
      await runNext(['build', appDir], env);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server = spawn(process.execPath, [NEXT_BIN, 'start', appDir, '-p', String(port), '-H', '127.0.0.1'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      server.stdout.on('data', (chunk) => (output += chunk));
      server.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<NodeJS.Signals | number | null>((resolveExit) => server.on('exit', (code, signal) => resolveExit(signal ?? code)));
      try {
        // Velocity's own API, mounted in the app (not a wrapped route: it records nothing).
        await waitFor(`${url}/api/v1/live`, server, 30_000);
        for (let i = 1; i <= 4; i++) assert.deepEqual(await (await fetch(`${url}/api/jobs/${i}`)).json(), { id: i, state: 'done' });
        assert.equal((await fetch(`${url}/api/jobs/abc`)).status, 404);
        assert.equal((await fetch(`${url}/api/boom`)).status, 500);
        const moved = await fetch(`${url}/api/moved`, { redirect: 'manual' });
        assert.equal(moved.status, 307);
        assert.equal(new URL(moved.headers.get('location') ?? '', url).pathname, '/api/jobs/1');
        assert.equal((await fetch(`${url}/api/gone`)).status, 404);
        assert.equal((await fetch(`${url}/api/slow`, { method: 'POST' })).status, 202);
        assert.equal((await fetch(`${url}/no/such/page`)).status, 404);
        const live = (await (await fetch(`${url}/api/v1/live`)).json()) as { routes: Array<{ route: string; '1m': { count: number } }> };
        const jobs = live.routes.find((r) => r.route === 'GET /api/jobs/[id]');
        assert.equal(jobs?.['1m'].count, 5, 'the API route and the job route share the one Velocity of the process');
      } finally {
        // Next.js's own SIGTERM handling closes its server and exits; Velocity's flushes.
        server.kill('SIGTERM');
      }
      const exit = await exited;
      assert.ok(exit === 143 || exit === 'SIGTERM', `next start ended with ${exit}:\n${output}`);
      const counts = await storedRequestCountsIn(dbPath);
      assert.equal(counts.get('GET /api/jobs/[id] 2xx')?.count, 4, output);
      assert.equal(counts.get('GET /api/jobs/[id] 4xx')?.count, 1);
      assert.equal(counts.get('GET /api/boom 5xx')?.count, 1);
      assert.equal(counts.get('GET /api/moved 3xx')?.count, 1);
      assert.equal(counts.get('GET /api/gone 4xx')?.count, 1);
      const slow = counts.get('POST /api/slow 2xx');
      assert.equal(slow?.count, 1);
      assert.ok((slow?.max ?? 0) >= 35, `slow request took ${slow?.max} ms`);
      // Next.js answers unknown paths itself: no route handler, nothing recorded.
      assert.equal(counts.size, 6, [...counts.keys()].join(', '));
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  });
});
