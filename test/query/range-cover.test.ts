import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { coverSegments, keptRange } from '../../src/query/range-cover.js';
import { DEFAULT_TIER_RETENTION } from '../../src/query/steps.js';
import { T0 } from '../support/windows.js';

const at = (iso: string): number => Date.parse(iso);
/** Segments as [tier, from, to] with ISO times, to read the plans at a glance. */
const readable = (segments: ReturnType<typeof coverSegments>) =>
  segments.map((s) => [s.tier, new Date(s.from).toISOString(), new Date(s.to).toISOString()]);

describe('coverSegments', () => {
  it('reads everything from 1m while nothing is rolled', () => {
    assert.deepEqual(coverSegments(T0 + 10 * MINUTE_MS, T0 + 5 * HOUR_MS, { '1h': null, '1d': null }), [
      { tier: '1m', from: T0 + 10 * MINUTE_MS, to: T0 + 5 * HOUR_MS },
    ]);
  });

  it('reads the whole hours before the 1h watermark from 1h and the ragged edges from 1m', () => {
    const segments = coverSegments(at('2026-11-20T10:20:00Z'), at('2026-11-20T14:40:00Z'), { '1h': at('2026-11-20T13:00:00Z'), '1d': null });
    assert.deepEqual(readable(segments), [
      ['1m', '2026-11-20T10:20:00.000Z', '2026-11-20T11:00:00.000Z'],
      ['1h', '2026-11-20T11:00:00.000Z', '2026-11-20T13:00:00.000Z'],
      ['1m', '2026-11-20T13:00:00.000Z', '2026-11-20T14:40:00.000Z'],
    ]);
  });

  it('reads whole days from 1d, then hours, then minutes, on both sides', () => {
    const segments = coverSegments(at('2026-11-18T05:30:00Z'), at('2026-11-20T03:10:00Z'), {
      '1h': at('2026-11-20T02:00:00Z'),
      '1d': at('2026-11-20T00:00:00Z'),
    });
    assert.deepEqual(readable(segments), [
      ['1m', '2026-11-18T05:30:00.000Z', '2026-11-18T06:00:00.000Z'],
      ['1h', '2026-11-18T06:00:00.000Z', '2026-11-19T00:00:00.000Z'],
      ['1d', '2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z'],
      ['1h', '2026-11-20T00:00:00.000Z', '2026-11-20T02:00:00.000Z'],
      ['1m', '2026-11-20T02:00:00.000Z', '2026-11-20T03:10:00.000Z'],
    ]);
  });

  it('tiles the range without gaps or overlaps, and reads nothing for an empty one', () => {
    const start = at('2026-11-01T07:13:00Z');
    const end = at('2026-11-20T16:47:00Z');
    const segments = coverSegments(start, end, { '1h': at('2026-11-20T15:00:00Z'), '1d': at('2026-11-19T00:00:00Z') });
    assert.equal(segments[0].from, start);
    assert.equal(segments[segments.length - 1].to, end);
    for (let i = 1; i < segments.length; i++) assert.equal(segments[i].from, segments[i - 1].to);
    assert.deepEqual(coverSegments(end, end, { '1h': null, '1d': null }), []);
  });
});

describe('keptRange', () => {
  const now = at('2026-11-20T12:00:00Z');
  it('leaves a range within the 1-minute retention as it is', () => {
    const start = now - 3 * DAY_MS + 17_123;
    assert.deepEqual(keptRange(start, now, now, DEFAULT_TIER_RETENTION), { start, end: now });
  });

  it('widens what lies past the 1-minute retention to its hours, and past the hourly one to its days', () => {
    assert.deepEqual(keptRange(at('2026-10-01T10:20:00Z'), now, now, DEFAULT_TIER_RETENTION), { start: at('2026-10-01T10:00:00Z'), end: now });
    assert.deepEqual(keptRange(at('2026-10-01T10:20:00Z'), at('2026-10-02T08:05:00Z'), now, DEFAULT_TIER_RETENTION), {
      start: at('2026-10-01T10:00:00Z'),
      end: at('2026-10-02T09:00:00Z'),
    });
    assert.deepEqual(keptRange(at('2025-01-15T10:20:00Z'), now, now, DEFAULT_TIER_RETENTION), { start: at('2025-01-15T00:00:00Z'), end: now });
  });
});
