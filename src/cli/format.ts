/**
 * Rendering history points for the terminal: an aligned text table of the main columns, or
 * CSV with every field of a point.
 * @module
 */
import { STATUS_CLASSES } from '../collect/http.js';
import type { HistoryPoint } from '../query/history.js';

/** The columns of the text table, in order. */
export const TABLE_COLUMNS = ['ts', 'count', 'rps', 'p50_ms', 'p95_ms', 'p99_ms', 'err_rate_pct'] as const satisfies ReadonlyArray<keyof HistoryPoint>;

/** Every field of a point, in CSV column order. */
export const CSV_COLUMNS: ReadonlyArray<keyof HistoryPoint> = [
  'ts',
  'count',
  'rps',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'min_ms',
  'max_ms',
  'err_rate_pct',
  ...STATUS_CLASSES.map((name) => `count_${name}` as const),
];

/**
 * An aligned text table: a header row, then one row per point; numbers right-aligned,
 * nulls (no traffic) as `-`.
 * @example
 * ts                        count    rps  p50_ms  p95_ms  p99_ms  err_rate_pct
 * 2026-11-20T14:00:00.000Z    412  6.867  34.112  88.02  130.5             0.243
 */
export function formatTable(points: readonly HistoryPoint[]): string {
  const rows: string[][] = [
    [...TABLE_COLUMNS],
    ...points.map((point) => TABLE_COLUMNS.map((column) => String(point[column] ?? '-'))),
  ];
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n')
    .concat('\n');
}

/** CSV: a header of every point field, then one line per point; nulls are empty fields. */
export function formatCsv(points: readonly HistoryPoint[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  // No field needs quoting: every value is a number, empty, or an ISO-8601 timestamp.
  for (const point of points) lines.push(CSV_COLUMNS.map((column) => String(point[column] ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}
