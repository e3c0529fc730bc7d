import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../support/tmp.js';
import { runCli, type CliResult } from './run-cli.js';

/** Asserts a usage mistake: exit code 2 and exactly one stderr line, `velocity: …`, matching `pattern`. */
function assertUsageError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /^velocity: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '');
}

describe('velocity usage and errors', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  // Run where a default ./data/velocity.db would be created, to show that no error creates one.
  const cwd = tmp.dir;

  it('bad flags, bad values and unknown commands exit 2 with one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--bogus'], /unknown flag --bogus \(try 'velocity --help'\)$/],
      [['query', '--bogus'], /unknown flag --bogus \(try 'velocity query --help'\)$/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['query', '--limit', '0'], /^velocity: limit: must be between 1 and 10000 \(got 0\)/],
      [['query', '--start', '2026-13-99'], /^velocity: start: "2026-13-99" is not a time/],
      [['query', '--step', '7s'], /^velocity: step: /],
      [['query', '--status-class', '2xx', 'extra'], /unexpected argument 'extra'/],
      [['query', '--limit'], /--limit needs a value/],
      [['query', '--url', 'not a url'], /--url: "not a url" is not a URL/],
      [['serve', '--port', '99999'], /--port: must be between 0 and 65535 \(got 99999\)/],
      [['demo', '--days', 'seven'], /--days: "seven" is not a whole number/],
      [['demo', '--routes', '0', '--no-serve'], /--routes: must be between 1 and 500/],
      [['prune', '--retention-1m', 'soon'], /--retention-1m: "soon" is not a duration/],
      [['migrate', '--db', 'mysql://localhost/x'], /database: "mysql:\/\/localhost\/x" is neither a file path/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { cwd })));
    results.forEach((result, i) => assertUsageError(result, cases[i][1]));
    assert.deepEqual(readdirSync(cwd), []);
  });

  it('an environment variable with a bad value is named in the error', async () => {
    const result = await runCli(['serve'], { cwd, env: { VELOCITY_PORT: 'eighty' } });
    assertUsageError(result, /VELOCITY_PORT: "eighty" is not a whole number/);
  });

  it('a store that cannot be opened exits 1 with one line', async () => {
    const missing = await runCli(['query'], { cwd });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "velocity: no database at ./data/velocity.db (pass --db, or create one with 'velocity demo' or 'velocity serve')\n");
    const notADatabase = join(tmp.dir, 'text.db');
    writeFileSync(notADatabase, 'this is not SQLite, just text that is long enough. '.repeat(100));
    const corrupt = await runCli(['migrate', '--db', notADatabase], { cwd });
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /^velocity: cannot open database .*text\.db: file is not a database\n$/);
  });

  it('--help lists the commands; <command> --help lists flags with defaults and variables', async () => {
    const [top, query, demo, prune, version] = await Promise.all([
      runCli(['--help']),
      runCli(['query', '--help']),
      runCli(['demo', '-h']),
      runCli(['prune', '--help']),
      runCli(['--version']),
    ]);
    assert.equal(top.code, 0);
    for (const name of ['serve', 'demo', 'query', 'prune', 'migrate']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
    assert.equal(query.code, 0);
    for (const flag of ['--db PATH', '--url URL', '--start TIME', '--end TIME', '--route', '--method', '--status-class', '--service', '--instance', '--step', '--limit N', '--json', '--csv', '--token']) {
      assert.ok(query.stdout.includes(`  ${flag}`), flag);
    }
    assert.match(query.stdout, /--db PATH .*\[default: \.\/data\/velocity\.db; env: VELOCITY_DATABASE_URL\]/);
    assert.match(query.stdout, /--limit N .*\[default: 1440\]/);
    assert.match(demo.stdout, /--days N .*\[default: 7\]/);
    assert.match(demo.stdout, /--port N .*\[default: 8080; env: VELOCITY_PORT\]/);
    assert.match(demo.stdout, /--no-serve +exit after the back-fill/);
    assert.match(prune.stdout, /--retention-1m DURATION .*\[default: 14d; env: VELOCITY_RETENTION_1M\]/);
    const { version: expected } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    assert.equal(version.stdout, `${expected}\n`);
  });
});
