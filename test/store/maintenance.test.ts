import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR_MS, MINUTE_MS } from '../../src/model/duration.js';
import { isMaintenanceDue, MAINTENANCE_DUE_FRACTION } from '../../src/store/maintenance.js';

const NOW = Date.parse('2026-11-20T14:00:00Z');

describe('isMaintenanceDue', () => {
  it('is due for a job that never ran', () => {
    assert.equal(isMaintenanceDue(null, NOW, HOUR_MS), true);
  });

  it('is due from 90 % of the interval on, not a millisecond before', () => {
    assert.equal(MAINTENANCE_DUE_FRACTION, 0.9);
    assert.equal(isMaintenanceDue(NOW - 54 * MINUTE_MS, NOW, HOUR_MS), true);
    assert.equal(isMaintenanceDue(NOW - 54 * MINUTE_MS + 1, NOW, HOUR_MS), false);
    assert.equal(isMaintenanceDue(NOW - 3 * HOUR_MS, NOW, HOUR_MS), true);
    assert.equal(isMaintenanceDue(NOW, NOW, HOUR_MS), false);
  });

  it('runs three instances whose timers fire at different moments of a cycle once per cycle', () => {
    // Timers of one-hour period firing at :00, :20 and :40; whoever finds it due runs it.
    let lastRun: number | null = null;
    const runs: number[] = [];
    for (let t = NOW; t < NOW + 5 * HOUR_MS; t += 20 * MINUTE_MS) {
      if (isMaintenanceDue(lastRun, t, HOUR_MS)) {
        runs.push((t - NOW) / MINUTE_MS);
        lastRun = t;
      }
    }
    assert.deepEqual(runs, [0, 60, 120, 180, 240]);
  });

  it('with an interval of 0 is always due', () => {
    assert.equal(isMaintenanceDue(NOW, NOW, 0), true);
  });

  it('is not held back by a run recorded in the future by more than an interval (a clock that was wrong)', () => {
    assert.equal(isMaintenanceDue(NOW + 30 * MINUTE_MS, NOW, HOUR_MS), false);
    assert.equal(isMaintenanceDue(NOW + HOUR_MS, NOW, HOUR_MS), false);
    assert.equal(isMaintenanceDue(NOW + HOUR_MS + 1, NOW, HOUR_MS), true);
  });
});
