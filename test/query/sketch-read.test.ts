import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MINUTE_MS } from '../../src/model/duration.js';
import type { StoredWindow } from '../../src/model/window.js';
import { readForPoints, windowsToMerge, type PointWindows } from '../../src/query/sketch-read.js';
import { createMemoryStore } from '../../src/store/memory/memory-store.js';
import type { ReadWindowsOptions, Store } from '../../src/store/store.js';
import { summariesOf } from '../../src/store/window-summaries.js';
import { T0, makeWindow, minute } from '../support/windows.js';

const labels = (route: string, statusClass: string) => ({ service: 'api', instance: 'i1', method: 'GET', route, status_class: statusClass });

/** A bare window of series `seriesId` at minute `m` (what a read without sketches returns). */
function bare(seriesId: number, m: number): StoredWindow {
  const { series: _series, ...values } = makeWindow({ start: minute(m) });
  return { ...values, seriesId, statusCounts: null, sketch: null };
}

describe('reading only the sketches a history merges', () => {
  const fine = { tier: '1m' as const, start: T0, end: minute(10), stepMs: MINUTE_MS };

  it('names the windows of points that hold more than one window of a group', () => {
    // In no particular order, as stores return summaries.
    const windows = summariesOf([bare(1, 3), bare(1, 1), bare(3, 2), bare(1, 0), bare(2, 1), bare(1, 2)]);
    assert.deepEqual(windowsToMerge(windows, fine, null), {
      seriesIds: [1, 2, 3, 1],
      starts: [1, 1, 2, 2].map(minute),
    });
    // Series 3 is a group of its own: minute 2 holds one window of each group.
    const groupOf = new Map([[1, 0], [2, 0], [3, 1]]);
    assert.deepEqual(windowsToMerge(windows, fine, groupOf), { seriesIds: [1, 2], starts: [1, 1].map(minute) });
    const fiveMinutes = { ...fine, stepMs: 5 * MINUTE_MS };
    assert.deepEqual(windowsToMerge(windows, fiveMinutes, null), {
      seriesIds: [1, 1, 3, 1, 2, 1],
      starts: [3, 1, 2, 0, 1, 2].map(minute),
    });
  });

  it('reads no sketch for single-window points and every sketch a merge needs', async () => {
    const memory = createMemoryStore();
    const reads: ReadWindowsOptions[] = [];
    const store: Store = { ...memory, readWindows: (tier, ids, from, to, options) => (reads.push(options ?? {}), memory.readWindows(tier, ids, from, to, options)) };
    const windows = [];
    for (let m = 0; m < 10; m++) windows.push(makeWindow({ start: minute(m), labels: labels('/a', '2xx') }));
    windows.push(makeWindow({ start: minute(4), labels: labels('/a', '5xx') }));
    await store.writeWindows('1m', windows);
    const ids = (await store.listSeries()).map((s) => s.id);

    const sketchedStarts = (read: PointWindows) =>
      [...read.sketched.values()].flatMap((byStart) => [...byStart.values()]).filter((w) => w.sketch !== null).map((w) => w.start);

    const read = await readForPoints(store, fine, () => ids, null, false);
    assert.equal(read.rows.start.length, 11);
    assert.deepEqual(sketchedStarts(read), [minute(4), minute(4)]);
    assert.deepEqual(reads.map((r) => r.only?.starts ?? r.withSketch), [[minute(4), minute(4)]]);

    reads.length = 0;
    const one = await readForPoints(store, { ...fine, end: minute(3) }, () => ids, null, false);
    assert.equal(one.rows.start.length, 3);
    assert.equal(one.sketched.size, 0);
    assert.equal(reads.length, 0);

    reads.length = 0;
    const all = await readForPoints(store, { ...fine, stepMs: 5 * MINUTE_MS }, () => ids, null, false);
    assert.equal(sketchedStarts(all).length, 11);
    assert.deepEqual(reads.map((r) => r.withSketch), [true]);
  });
});
