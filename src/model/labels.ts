/**
 * Label sets and series keys. A series is a metric name plus a label set; its key is a
 * canonical string (labels sorted by name) built once when the series is first seen.
 * @module
 */

/** A label set: label name → value. */
export type Labels = Readonly<Record<string, string>>;

/** The canonical key of a series: `metric{a="1",b="2"}` with labels sorted by name. */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = `${metric}{`;
  for (let i = 0; i < names.length; i++) {
    if (i > 0) key += ',';
    key += `${names[i]}=${JSON.stringify(labels[names[i]])}`;
  }
  return `${key}}`;
}

/** A copy of `labels` with its names sorted, so that equal sets serialise equally. */
export function canonicalLabels(labels: Labels): Labels {
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) sorted[name] = labels[name];
  return sorted;
}
