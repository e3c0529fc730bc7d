import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
      // The runtime dependency comes from this checkout rather than a fresh native build.
      symlinkSync(resolve('node_modules/better-sqlite3'), join(project, 'node_modules', 'better-sqlite3'));
      for (const dep of ['bindings', 'file-uri-to-path']) {
        symlinkSync(resolve('node_modules', dep), join(project, 'node_modules', dep));
      }
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
      writeFileSync(
        join(project, 'check.js'),
        [
          "import { createVelocity } from 'velocity-metrics';",
          "import { velocityMiddleware } from 'velocity-metrics/express';",
          "import { withVelocity } from 'velocity-metrics/node';",
          "const v = createVelocity({ database: 'memory', timers: false, handleSignals: false });",
          "v.recordRequest('GET', '/x', 200, 1);",
          "await v.close();",
          "console.log(typeof velocityMiddleware, typeof withVelocity);",
        ].join('\n'),
      );
      assert.equal(execFileSync(process.execPath, ['check.js'], { cwd: project, encoding: 'utf8' }).trim(), 'function function');
      const files = readdirSync(join(installed, 'dist'));
      assert.ok(files.includes('index.d.ts'), 'type declarations are shipped');
      const version = execFileSync(process.execPath, [join(installed, 'dist/cli/main.js'), '--version'], { encoding: 'utf8' });
      assert.match(version.trim(), /^\d+\.\d+\.\d+$/);
    } finally {
      tmp.remove();
    }
  });
});
