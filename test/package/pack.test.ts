import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/tmp.js';

describe('the published package', () => {
  it('packs, and a scratch project can import every export and run the bin', () => {
    const tmp = tempDir('velocity-pack-');
    try {
      execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', tmp.dir], { stdio: 'pipe' });
      const tarball = readdirSync(tmp.dir).find((name) => name.endsWith('.tgz'));
      assert.ok(tarball, 'npm pack wrote a tarball');
      const project = join(tmp.dir, 'app');
      const installed = join(project, 'node_modules', 'velocity-metrics');
      mkdirSync(installed, { recursive: true });
      execFileSync('tar', ['-xzf', join(tmp.dir, tarball), '-C', installed, '--strip-components=1']);
      // The runtime dependencies (better-sqlite3, pg and theirs: every package the lock file
      // does not mark dev) come from this checkout rather than a fresh install and native build.
      const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
      for (const [key, info] of Object.entries(lock.packages)) {
        if (info.dev || info.devOptional || !/^node_modules\/(?:@[^/]+\/)?[^/]+$/.test(key) || !existsSync(key)) continue;
        const linked = join(project, key);
        mkdirSync(dirname(linked), { recursive: true });
        symlinkSync(resolve(key), linked);
      }
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
      writeFileSync(
        join(project, 'check.js'),
        [
          "import { createVelocity } from 'velocity-metrics';",
          "import { velocityMiddleware } from 'velocity-metrics/express';",
          "import { withVelocity } from 'velocity-metrics/node';",
          // The framework adapters load without their framework installed.
          "import { velocityPlugin } from 'velocity-metrics/fastify';",
          "import { velocityMiddleware as honoMiddleware, withVelocityFetch, withVelocityHono } from 'velocity-metrics/hono';",
          "import { getVelocity, registerVelocity, withVelocityRoute } from 'velocity-metrics/next';",
          "const v = createVelocity({ database: 'memory', timers: false, handleSignals: false });",
          "v.recordRequest('GET', '/x', 200, 1);",
          "await withVelocityFetch(v, () => new Response('ok'))(new Request('http://localhost/items/7'));",
          "await withVelocityRoute(v, '/jobs/[id]', () => new Response('ok', { status: 201 }))(new Request('http://localhost/jobs/1'), {});",
          "const routes = v.live().routes.map((r) => r.route).sort().join(',');",
          "await v.close();",
          "const kinds = [velocityMiddleware, withVelocity, velocityPlugin, honoMiddleware, withVelocityHono, getVelocity, registerVelocity].map((f) => typeof f);",
          "console.log(kinds.join(' '), routes);",
        ].join('\n'),
      );
      assert.equal(
        execFileSync(process.execPath, ['check.js'], { cwd: project, encoding: 'utf8' }).trim(),
        'function function function function function function function GET /items/:id,GET /jobs/[id],GET /x',
      );
      const files = readdirSync(join(installed, 'dist'));
      assert.ok(files.includes('index.d.ts'), 'type declarations are shipped');
      const adapters = readdirSync(join(installed, 'dist', 'adapters'));
      for (const name of ['express', 'node', 'fastify', 'hono', 'next']) {
        assert.ok(adapters.includes(`${name}.d.ts`), `type declarations of ./${name} are shipped`);
      }
      const version = execFileSync(process.execPath, [join(installed, 'dist/cli/main.js'), '--version'], { encoding: 'utf8' });
      assert.match(version.trim(), /^\d+\.\d+\.\d+$/);
    } finally {
      tmp.remove();
    }
  });
});
