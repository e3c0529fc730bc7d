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

  it('caps a 1-minute-step range at 30 days, even where 1-minute windows are kept longer', () => {
    const retention = { '1m': 60 * DAY_MS, '1h': 90 * DAY_MS, '1d': 730 * DAY_MS };
    const start = String((NOW - 31 * DAY_MS) / 1000);
    assert.throws(
      () => parseHistoryParams({ start, step: '1m', limit: '10000' }, NOW, { retention }),
      (error: unknown) => error instanceof VelocityError && error.param === 'step' && /30 days/.test(error.message),
    );
    assert.equal(parseHistoryParams({ start, step: '5m', limit: '10000' }, NOW, { retention }).tier, '1m');
    assert.equal(parseHistoryParams({ start, step: '1h' }, NOW, { retention }).stepMs, HOUR_MS);
  });

  it('serves each step from the coarsest tier that tiles it', () => {
    const day = { start: '2026-11-19T00:00:00Z', end: '2026-11-20T00:00:00Z' };
    assert.equal(parseHistoryParams({ ...day, step: '1m' }, NOW).tier, '1m');
    assert.equal(parseHistoryParams({ ...day, step: '90m' }, NOW).tier, '1m');
    assert.equal(parseHistoryParams({ ...day, step: '2h' }, NOW).tier, '1h');
    assert.equal(parseHistoryParams({ ...day, step: '1d' }, NOW).tier, '1d');
    assert.equal(parseHistoryParams({ ...day, step: '1w' }, NOW).tier, '1d');
  });

  it('starts weekly steps on Mondays at 00:00 UTC and daily steps at midnight', () => {
    const range = { start: '2026-10-01T10:00:00Z', end: '2026-11-20T00:00:00Z' };
    const weekly = parseHistoryParams({ ...range, step: '1w' }, NOW);
    assert.equal(weekly.stepMs, 7 * DAY_MS);
    assert.equal(new Date(weekly.start).toISOString(), '2026-09-28T00:00:00.000Z');
    assert.equal(new Date(weekly.start).getUTCDay(), 1);
    assert.equal(new Date(parseHistoryParams({ ...range, step: '1d' }, NOW).start).toISOString(), '2026-10-01T00:00:00.000Z');
  });

  it('picks no step finer than the data kept where the range starts', () => {
    const month = parseHistoryParams({ start: String((NOW - 60 * DAY_MS) / 1000), limit: '10000' }, NOW);
    assert.equal(month.stepMs, HOUR_MS);
    assert.equal(month.tier, '1h');
    const year = parseHistoryParams({ start: String((NOW - 365 * DAY_MS) / 1000), limit: '10000' }, NOW);
    assert.equal(year.stepMs, DAY_MS);
    assert.equal(year.tier, '1d');
    const week = parseHistoryParams({ start: String((NOW - 7 * DAY_MS) / 1000) }, NOW);
    assert.equal(week.stepMs, 8 * MINUTE_MS);
    assert.equal(week.tier, '1m');
  });

  it('rounds a default step of an hour or more up to whole hours', () => {
    const q = parseHistoryParams({ start: String((NOW - 10 * DAY_MS) / 1000), limit: '200' }, NOW);
    assert.equal(q.stepMs % HOUR_MS, 0);
    assert.equal(q.tier, '1h');
    assert.ok(Math.ceil((q.end - q.start) / q.stepMs) <= 200);
  });

  it('rejects a step finer than the data kept for the range, naming the finest step there', () => {
    rejects({ start: String((NOW - 20 * DAY_MS) / 1000), step: '5m' }, 'step', /finest step there is 1h/);
    rejects({ start: String((NOW - 200 * DAY_MS) / 1000), step: '1h', limit: '10000' }, 'step', /finest step there is 1d/);
  });

  it('keeps instance filters and groupings on the 1-minute tier, within its retention', () => {
    const range = { start: '2026-11-19T00:00:00Z', end: '2026-11-20T00:00:00Z', step: '1h' };
    assert.equal(parseHistoryParams({ ...range, instance: 'a:1' }, NOW).tier, '1m');
    assert.equal(parseHistoryParams({ ...range, group_by: 'instance' }, NOW).tier, '1m');
    rejects({ start: String((NOW - 20 * DAY_MS) / 1000), step: '1h', instance: 'a:1' }, 'instance', /1-minute windows/);
    rejects({ start: String((NOW - 20 * DAY_MS) / 1000), step: '1h', group_by: 'instance' }, 'group_by', /1-minute windows/);
  });

  it('parses group_by, top, order and format', () => {
    const q = parseHistoryParams({ group_by: 'route, platform', top: '5', order: 'p95', format: 'columns' }, NOW);
    assert.deepEqual(q.groupBy, ['route', 'platform']);
    assert.equal(q.top, 5);
    assert.equal(q.order, 'p95');
    assert.equal(q.format, 'columns');
    const plain = parseHistoryParams({}, NOW);
    assert.deepEqual([plain.groupBy, plain.top, plain.order, plain.format], [[], null, 'count', 'points']);
    rejects({ top: '5' }, 'top', /needs group_by/);
    rejects({ group_by: 'route', top: '0' }, 'top', /between 1 and 1000/);
    rejects({ group_by: 'route', top: 'many' }, 'top');
    rejects({ group_by: 'route;drop' }, 'group_by', /not a label name/);
    rejects({ group_by: 'route,route' }, 'group_by', /twice/);
    rejects({ order: 'fastest' }, 'order', /one of count, p95/);
    rejects({ format: 'xml' }, 'format', /one of points, columns/);
  });
});
