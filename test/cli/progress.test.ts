import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress, formatElapsed } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { write: (text: string) => void; isTTY: boolean; written: string[] } {
  const written: string[] = [];
  return { isTTY, written, write: (text) => void written.push(text) };
}

describe('progress bar', () => {
  it('prints a line at every tenth when not on a terminal, then a final one', () => {
    const stream = fakeStream(false);
    let now = 0;
    const progress = new Progress({ label: 'back-filling', unit: 'windows', stream, clock: () => now });
    for (let i = 1; i <= 100; i++) {
      now += 10;
      progress.update(i / 100, i * 1_000);
    }
    progress.finish(100_000);
    assert.equal(stream.written.length, 10);
    assert.ok(stream.written.every((line) => line.endsWith('\n') && !line.includes('\r')));
    assert.match(stream.written[0], /^back-filling \[##.{22}\]  10%  10,000 windows  100ms elapsed  ETA 900ms\n$/);
    assert.match(stream.written[4], / 50%  50,000 windows/);
    assert.match(stream.written[9], /100%  100,000 windows  1\.0s elapsed  done\n$/);
  });

  it('redraws one line with \\r on a terminal, at most every 80 ms', () => {
    const stream = fakeStream(true);
    let now = 0;
    const progress = new Progress({ label: 'back-filling', unit: 'windows', stream, clock: () => now });
    for (let i = 1; i <= 100; i++) {
      now += 20;
      progress.update(i / 100, i);
    }
    progress.finish(100);
    assert.ok(stream.written.length >= 20 && stream.written.length <= 30, `${stream.written.length} draws`);
    assert.ok(stream.written.every((text) => text.startsWith('\r')));
    assert.ok(stream.written.slice(0, -1).every((text) => !text.includes('\n')));
    assert.match(stream.written.at(-1) ?? '', /100%.*done\x1b\[K\n$/);
  });

  it('formats durations for humans', () => {
    assert.equal(formatElapsed(850), '850ms');
    assert.equal(formatElapsed(4_240), '4.2s');
    assert.equal(formatElapsed(185_000), '3m05s');
  });
});
