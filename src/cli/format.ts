/**
 * Rendering history points for the terminal: an aligned text table of the main columns, or
 * CSV with every field of a point; grouped histories as a table per group, or CSV with the
 * group's labels in front of each line.
 * @module
 */
import { STATUS_CLASSES } from '../collect/http.js';
import type { HistoryGroup, HistoryPoint, HistoryResult } from '../query/history.js';

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

function groupTitle(group: HistoryGroup): string {
  const labels = Object.entries(group.labels).map(([label, value]) => `${label}=${value ?? '-'}`);
  const p95 = group.p95_ms === undefined ? '' : `, p95 ${group.p95_ms ?? '-'} ms`;
  return `${labels.join(' ')} (${group.count} requests${p95})`;
}

/** A history as a text table, or, when grouped, one titled table per group. */
export function formatHistoryTable(result: HistoryResult): string {
  if (result.groups === undefined) return formatTable(result.points ?? []);
  return result.groups.map((group) => `${groupTitle(group)}\n${formatTable(group.points ?? [])}`).join('\n');
}

/** A history as CSV; when grouped, the group_by labels come first on every line. */
export function formatHistoryCsv(result: HistoryResult): string {
  if (result.groups === undefined) return formatCsv(result.points ?? []);
  const labels = result.group_by ?? [];
  const lines = [[...labels, ...CSV_COLUMNS].join(',')];
  for (const group of result.groups) {
    const prefix = labels.map((label) => csvField(group.labels[label] ?? ''));
    for (const point of group.points ?? []) {
      lines.push([...prefix, ...CSV_COLUMNS.map((column) => String(point[column] ?? ''))].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (label values may). */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
