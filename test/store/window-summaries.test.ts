import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredWindow } from '../../src/model/window.js';
import { concatSummaries, emptySummaries, summariesOf } from '../../src/store/window-summaries.js';
import { makeWindow, minute } from '../support/windows.js';

/** A stored window of series `seriesId` at minute `m`, with `statusCounts` (null: none). */
function stored(seriesId: number, m: number, statusCounts: number[] | null): StoredWindow {
  const { series: _series, ...values } = makeWindow({ start: minute(m) });
  return { ...values, seriesId, statusCounts };
}

const seven = (n: number) => [n, n + 1, 0, 0, n + 4, 0, 0];
const zeros = [0, 0, 0, 0, 0, 0, 0];

describe('window summaries', () => {
  it('hold no status counts while no window has any, and zeros for the windows without once one has', () => {
    assert.deepEqual(summariesOf([stored(1, 0, null), stored(2, 0, null)]).statusCounts, []);
    const mixed = summariesOf([stored(1, 0, null), stored(2, 0, seven(10)), stored(1, 1, null), stored(2, 1, seven(20))]);
    assert.deepEqual(mixed.statusCounts, [...zeros, ...seven(10), ...zeros, ...seven(20)]);
  });

  it('join parts row after row, status counts lined up whether a part has any or not', () => {
    const none = summariesOf([stored(1, 0, null), stored(1, 1, null)]);
    const some = summariesOf([stored(2, 0, seven(1))]);
    const joined = concatSummaries([none, some, emptySummaries()]);
    assert.deepEqual(joined.seriesId, [1, 1, 2]);
    assert.deepEqual(joined.start, [minute(0), minute(1), minute(0)]);
    assert.deepEqual(joined.statusCounts, [...zeros, ...zeros, ...seven(1)]);
    assert.deepEqual(concatSummaries([none, none]).statusCounts, []);
  });
});
