import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonBytes } from '../../src/http/json-bytes.js';
import { mulberry32 } from '../support/random.js';

const text = (value: unknown): string => Buffer.from(jsonBytes(value)).toString('utf8');

describe('jsonBytes', () => {
  it('writes whole thousandths and integers as JSON.stringify does', () => {
    const rand = mulberry32(11);
    const numbers: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const scale = 10 ** Math.floor(rand() * 10);
      const thousandths = Math.floor(rand() * scale * 1000);
      numbers.push((rand() < 0.2 ? -1 : 1) * (thousandths / 1000));
      numbers.push(Math.floor(rand() * 2 ** 31));
    }
    assert.equal(text(numbers), JSON.stringify(numbers));
  });

  it('writes every other number as JSON.stringify does', () => {
    const numbers = [
      0, -0, 0.001, -0.001, 0.01, 0.1, 0.5, 1, 9, 10, 99.999, 100, 0.0001, 1e-7, 1 / 3, Math.PI,
      2 ** 31 - 1, 2 ** 31 - 0.001, -(2 ** 31 - 0.001), 2 ** 31, 2 ** 31 + 0.5, 1.7634e9, 2 ** 53, 1e21, 1.5e300,
      Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, NaN, Infinity, -Infinity, 0.1 + 0.2,
    ];
    assert.equal(text(numbers), JSON.stringify(numbers));
  });

  it('writes objects, arrays, strings and literals as JSON.stringify does', () => {
    const value = {
      start: '2026-11-20T14:00:00.000Z',
      step_ms: 60_000,
      filters: { route: '/api/jobs/:id', method: 'GET', empty: {}, none: [] },
      quoted: 'a "b" \\ c\n\t\u0001',
      unicode: 'héllo wörld — 東京 🚀',
      lone: 'a\ud800b',
      [`k\u00e9y`]: true,
      off: false,
      nothing: null,
      skipped: undefined,
      fn: () => 1,
      when: new Date(Date.UTC(2026, 10, 20)),
      custom: { toJSON: () => ({ replaced: 1.5 }) },
      map: new Map([[1, 2]]),
      columns: { ts: [1_763_000_000, 1_763_000_060], p50_ms: [12.345, null, undefined, 0.5], mixed: [1, 'a', [2, null], { x: 1 }] },
      groups: [{ labels: { route: null }, count: 3 }],
    };
    assert.equal(text(value), JSON.stringify(value));
  });

  it('grows past its first buffer', () => {
    const long = Array.from({ length: 100_000 }, (_, i) => i * 1.001);
    assert.equal(text({ long, label: 'x'.repeat(200_000) + 'é' }), JSON.stringify({ long, label: 'x'.repeat(200_000) + 'é' }));
  });

  it('throws for a value with no JSON text', () => {
    assert.throws(() => jsonBytes(undefined), TypeError);
    assert.throws(() => jsonBytes(() => 1), TypeError);
  });
});
