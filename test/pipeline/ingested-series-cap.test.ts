import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VelocityError } from '../../src/errors.js';
import { IngestedSeriesCap, MAX_INGESTED_METRICS } from '../../src/pipeline/ingested-series-cap.js';
import { makeWindow, minute } from '../support/windows.js';

const gauge = (metric: string, host: string, at = 0) => makeWindow({ metric, kind: 'gauge', labels: { host }, start: minute(at) });

/** The `param` of the error `run` throws. */
function refusedParam(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof VelocityError);
    assert.equal(error.code, 'INVALID_PARAMETER');
    return error.param;
  }
  assert.fail('expected the batch to be refused');
}

describe('IngestedSeriesCap', () => {
  it('takes series up to the cap per metric, then refuses a batch with a new one whole', () => {
    const cap = new IngestedSeriesCap(3);
    cap.admit([gauge('queue.depth', 'a'), gauge('queue.depth', 'b'), gauge('queue.depth', 'a', 1)]);
    assert.equal(refusedParam(() => cap.admit([gauge('other', 'x'), gauge('queue.depth', 'c'), gauge('queue.depth', 'd')])), 'windows[2].labels');
    assert.deepEqual(cap.status(), { metrics: { 'queue.depth': 2 }, refused_batches: 1 }, 'nothing of the refused batch counts');
    cap.admit([gauge('queue.depth', 'c'), gauge('queue.depth', 'a', 2), gauge('queue.depth', 'b', 2)]);
    assert.equal(refusedParam(() => cap.admit([gauge('queue.depth', 'd')])), 'windows[0].labels');
    cap.admit([gauge('queue.depth', 'a', 3), gauge('other', 'x')]);
    assert.deepEqual(cap.status(), { metrics: { 'queue.depth': 3, other: 1 }, refused_batches: 2 });
  });

  it('counts windows of one new series in one batch once', () => {
    const cap = new IngestedSeriesCap(1);
    cap.admit([gauge('queue.depth', 'a', 0), gauge('queue.depth', 'a', 1), gauge('queue.depth', 'a', 2)]);
    assert.deepEqual(cap.status().metrics, { 'queue.depth': 1 });
  });

  it(`takes windows of at most ${MAX_INGESTED_METRICS} metrics`, () => {
    const cap = new IngestedSeriesCap(2_000);
    const metrics = Array.from({ length: MAX_INGESTED_METRICS - 1 }, (_, i) => gauge(`m${i}`, 'a'));
    cap.admit(metrics);
    assert.equal(refusedParam(() => cap.admit([gauge('one.more', 'a'), gauge('and.another', 'a')])), 'windows[1].metric');
    cap.admit([gauge('one.more', 'a'), gauge('m0', 'b')]);
    assert.equal(Object.keys(cap.status().metrics).length, MAX_INGESTED_METRICS);
    assert.equal(refusedParam(() => cap.admit([gauge('m1', 'b'), gauge('too.many', 'a')])), 'windows[1].metric');
  });
});
