import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CSV_COLUMNS, TABLE_COLUMNS, formatCsv, formatTable } from '../../src/cli/format.js';
import type { HistoryPoint } from '../../src/query/history.js';

const busy: HistoryPoint = {
  ts: '2026-11-20T14:00:00.000Z',
  count: 1234,
  rps: 20.567,
  p50_ms: 12.5,
  p95_ms: 88.25,
  p99_ms: 140.125,
  min_ms: 0.5,
  max_ms: 900,
  err_rate_pct: 1.5,
  count_1xx: 0,
  count_2xx: 1200,
  count_3xx: 0,
  count_4xx: 16,
  count_5xx: 18,
  count_timeout: 0,
  count_aborted: 0,
};
const idle: HistoryPoint = {
  ...busy,
  ts: '2026-11-20T14:01:00.000Z',
  count: 0,
  rps: 0,
  p50_ms: null,
  p95_ms: null,
  p99_ms: null,
  min_ms: null,
  max_ms: null,
  err_rate_pct: 0,
  count_2xx: 0,
  count_4xx: 0,
  count_5xx: 0,
};

describe('output formats', () => {
  it('a table: header of the main columns, aligned rows, - for no traffic', () => {
    const lines = formatTable([busy, idle]).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0].split(/\s+/), [...TABLE_COLUMNS]);
    assert.deepEqual(lines[1].split(/\s+/), ['2026-11-20T14:00:00.000Z', '1234', '20.567', '12.5', '88.25', '140.125', '1.5']);
    assert.deepEqual(lines[2].split(/\s+/), ['2026-11-20T14:01:00.000Z', '0', '0', '-', '-', '-', '0']);
    assert.equal(new Set(lines.map((line) => line.length)).size, 1, 'every row as wide as the header');
    // Numbers are right-aligned: the last column ends at the same place on every row.
    assert.ok(lines[2].endsWith(' 0') && lines[0].endsWith('err_rate_pct'));
  });

  it('CSV: a header of every point field, one line per point, empty for null', () => {
    const lines = formatCsv([busy, idle]).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0].split(','), [...CSV_COLUMNS]);
    assert.deepEqual(new Set(CSV_COLUMNS), new Set(Object.keys(busy)));
    assert.equal(lines[1], '2026-11-20T14:00:00.000Z,1234,20.567,12.5,88.25,140.125,0.5,900,1.5,0,1200,0,16,18,0,0');
    assert.equal(lines[2], '2026-11-20T14:01:00.000Z,0,0,,,,,,0,0,0,0,0,0,0,0');
  });
});
