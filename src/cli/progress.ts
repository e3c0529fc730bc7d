/**
 * A small progress bar for long CLI jobs, written to stderr: percentage, items done, time
 * elapsed and an estimate of the time left. On a terminal it redraws one line in place
 * (`\r`); otherwise (a pipe, a CI log) it prints a plain line at every tenth of the way.
 * @module
 */

/** Where the bar is drawn: a writable with an optional `isTTY`, such as `process.stderr`. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of a Progress. */
export interface ProgressOptions {
  /** What is being done, e.g. `back-filling`. */
  readonly label: string;
  /** The name of the items counted, e.g. `windows`. */
  readonly unit: string;
  readonly stream: ProgressStream;
  /** Epoch ms; default `Date.now`. */
  readonly clock?: () => number;
}

const BAR_WIDTH = 24;
// A terminal redraws at most this often; more would only cost time.
const REDRAW_MS = 80;

/** A duration in ms as `850ms`, `4.2s` or `3m05s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Reports how far a job has come. Progress is a fraction of the job (which need not be the
 * items counted: the demo knows its route-minutes in advance, not its windows).
 * @example
 * const progress = new Progress({ label: 'back-filling', unit: 'windows', stream: process.stderr });
 * progress.update(0.5, 120_000);
 * progress.finish(240_000);
 */
export class Progress {
  readonly #options: ProgressOptions;
  readonly #clock: () => number;
  readonly #startedAt: number;
  #lastDrawAt = -Infinity;
  #lastTenth = 0;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#startedAt = this.#clock();
  }

  /** Reports that `fraction` (0–1) of the job is done, with `items` items so far. */
  update(fraction: number, items: number): void {
    const now = this.#clock();
    if (this.#options.stream.isTTY === true) {
      if (now - this.#lastDrawAt < REDRAW_MS) return;
      this.#lastDrawAt = now;
      this.#options.stream.write(`\r${this.#line(fraction, items, now)}\x1b[K`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.#lastTenth && tenth < 10) {
      this.#lastTenth = tenth;
      this.#options.stream.write(`${this.#line(fraction, items, now)}\n`);
    }
  }

  /** Draws the finished bar (100 %, with `items` in total) and ends its line. */
  finish(items: number): void {
    const line = this.#line(1, items, this.#clock());
    this.#options.stream.write(this.#options.stream.isTTY === true ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  #line(fraction: number, items: number, now: number): string {
    const done = Math.min(1, Math.max(0, fraction));
    const elapsed = now - this.#startedAt;
    const filled = Math.round(done * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const percent = `${Math.floor(done * 100)}%`.padStart(4);
    const eta = done >= 1 ? 'done' : done > 0 ? `ETA ${formatElapsed((elapsed / done) * (1 - done))}` : 'ETA -';
    const { label, unit } = this.#options;
    return `${label} ${bar} ${percent}  ${items.toLocaleString('en-US')} ${unit}  ${formatElapsed(elapsed)} elapsed  ${eta}`;
  }
}
