/**
 * The shape every benchmark returns, so one script can print them all or write them to
 * BENCHMARKS.md.
 * @module
 */

/** One benchmark's results: a titled table, the command that reproduces it, and notes. */
export interface BenchSection {
  /** The question the benchmark answers, as a heading. */
  title: string;
  /** The shell command that runs this benchmark alone. */
  command: string;
  /** The result table: one object per row, same keys in every row (the columns). */
  rows: Array<Record<string, string | number>>;
  /** What was measured and how (data, seeds, targets), one sentence each. */
  notes: string[];
}
