import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VelocityError } from '../../src/errors.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { parseHistoryParams } from '../../src/query/params.js';

const NOW = Date.parse('2026-11-20T14:05:30Z');

function rejects(params: Record<string, string>, param: string, pattern?: RegExp): void {
  assert.throws(
    () => parseHistoryParams(params, NOW),
    (error: unknown) => {
      assert.ok(error instanceof VelocityError, `expected VelocityError, got ${String(error)}`);
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      if (pattern) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseHistoryParams', () => {
  it('defaults to the last 24 hours at the smallest step within the default limit', () => {
    const q = parseHistoryParams({}, NOW);
    assert.equal(q.end, NOW);
    assert.equal(q.stepMs, 2 * MINUTE_MS);
    assert.equal(q.start, Date.parse('2026-11-19T14:04:00Z'));
    assert.equal(q.limit, 1440);
    assert.ok(Math.ceil((q.end - q.start) / q.stepMs) <= 1440);
  });

  it('accepts ISO-8601 and unix seconds, and from/to as aliases', () => {
    const iso = parseHistoryParams({ start: '2026-11-20T10:00:00Z', end: '2026-11-20T11:00:00Z' }, NOW);
    const unix = parseHistoryParams({ from: String(Date.parse('2026-11-20T10:00:00Z') / 1000), to: String(Date.parse('2026-11-20T11:00:00Z') / 1000) }, NOW);
    assert.equal(iso.start, Date.parse('2026-11-20T10:00:00Z'));
    assert.equal(iso.end, Date.parse('2026-11-20T11:00:00Z'));
    assert.equal(iso.stepMs, MINUTE_MS);
    assert.deepEqual([unix.start, unix.end], [iso.start, iso.end]);
  });

  it('treats an ISO time without an offset as UTC', () => {
    const q = parseHistoryParams({ start: '2026-11-20T10:00', end: '2026-11-20' + 'T12:00:00' }, NOW);
    assert.equal(q.start, Date.parse('2026-11-20T10:00:00Z'));
    assert.equal(q.end, Date.parse('2026-11-20T12:00:00Z'));
  });

  it('aligns the start to the step and honours an explicit step', () => {
    const q = parseHistoryParams({ start: '2026-11-20T10:07:00Z', end: '2026-11-20T12:00:00Z', step: '15m' }, NOW);
    assert.equal(q.stepMs, 15 * MINUTE_MS);
    assert.equal(q.start, Date.parse('2026-11-20T10:00:00Z'));
  });

  it('splits a "METHOD /path" route into route and method filters', () => {
    const q = parseHistoryParams({ route: 'GET /api/jobs/:id' }, NOW);
    assert.deepEqual(q.filters, { route: '/api/jobs/:id', method: 'GET' });
  });

  it('keeps each filter given', () => {
    const q = parseHistoryParams({ route: '/a', method: 'POST', status_class: '5xx', service: 's', instance: 'i' }, NOW);
    assert.deepEqual(q.filters, { route: '/a', method: 'POST', status_class: '5xx', service: 's', instance: 'i' });
  });

  it('chooses a coarser step for a long range instead of exceeding the limit', () => {
    const q = parseHistoryParams({ start: String((NOW - 7 * DAY_MS) / 1000), limit: '100' }, NOW);
    assert.ok(Math.ceil((q.end - q.start) / q.stepMs) <= 100);
    assert.equal(q.stepMs % MINUTE_MS, 0);
    assert.ok(q.stepMs >= (7 * DAY_MS) / 100);
  });

  it('rejects every bad parameter with a 400 naming it', () => {
    rejects({ start: 'yesterday' }, 'start', /not a time/);
    rejects({ end: '-5' }, 'end', /negative/);
    rejects({ from: '2026-13-45T00:00:00Z' }, 'from');
    rejects({ start: '2026-11-20T12:00:00Z', end: '2026-11-20T11:00:00Z' }, 'start', /before end/);
    rejects({ limit: '0' }, 'limit', /between 1 and 10000/);
    rejects({ limit: '10001' }, 'limit');
    rejects({ limit: 'ten' }, 'limit', /whole number/);
    rejects({ step: '30s' }, 'step', /whole number of minutes/);
    rejects({ step: '90s' }, 'step');
    rejects({ step: 'often' }, 'step', /not a duration/);
    rejects({ step: '1m', limit: '60' }, 'step', /more than limit 60/);
    rejects({ rout: '/a' }, 'rout', /unknown parameter/);
    rejects({ route: 'GET /a', method: 'POST' }, 'method', /contradicts/);
  });

  it('caps a 1-minute-step range at 30 days', () => {
    rejects({ start: String((NOW - 31 * DAY_MS) / 1000), step: '1m', limit: '10000' }, 'step', /30 days/);
    const ok = parseHistoryParams({ start: String((NOW - 31 * DAY_MS) / 1000), step: '1h' }, NOW);
    assert.equal(ok.stepMs, HOUR_MS);
  });
});
