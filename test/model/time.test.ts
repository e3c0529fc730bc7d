import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime } from '../../src/model/time.js';
import { mulberry32 } from '../support/random.js';

describe('formatTime', () => {
  it('writes what Date#toISOString writes, across days, millisecond by millisecond and at random', () => {
    const rand = mulberry32(7);
    const day = 86_400_000;
    const times = [
      0,
      -1,
      1,
      day - 1,
      day,
      -day,
      -day - 1,
      Date.UTC(2026, 10, 20) - 1,
      Date.UTC(2026, 10, 20),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(0, 0, 1) - 1,
      Date.UTC(10000, 0, 1),
      8.64e15,
      -8.64e15,
      1.5,
      Date.UTC(2026, 0, 1) + 0.25,
    ];
    for (let i = 0; i < 10_000; i++) times.push(Math.floor((rand() - 0.5) * 2 * 8.64e15));
    for (let i = 0; i < 5_000; i++) times.push(Date.UTC(2026, 10, 13) + i * 60_000 + (i % 1000));
    for (const ms of times) assert.equal(formatTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it('throws as toISOString does for a time that is not one', () => {
    assert.throws(() => formatTime(NaN), RangeError);
    assert.throws(() => formatTime(8.64e15 + 1), RangeError);
  });
});
