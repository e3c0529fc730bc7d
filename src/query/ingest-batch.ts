/**
 * The body of `POST /api/v1/ingest`, checked whole before anything of it is used: raw
 * `requests` and `operations` (recorded as the adapters record theirs, at arrival) and
 * pre-aggregated `windows` (see ingest-windows.ts). The first bad field throws
 * INVALID_PARAMETER (or MISSING_PARAMETER) naming its path, e.g. `requests[3].duration_ms`;
 * a batch of more than `maxItems` items throws PAYLOAD_TOO_LARGE. docs/ingest.schema.json
 * describes the same shape as a JSON Schema.
 * @module
 */
import { STATUS_CLASSES, statusClassIndex } from '../collect/http.js';
import { routeTemplate } from '../collect/route-template.js';
import { VelocityError, invalidParameter } from '../errors.js';
import type { Labels } from '../model/labels.js';
import type { Window } from '../model/window.js';
import { describeJson, readArray, readBoolean, readInteger, readLabels, readNumber, readObject, readString, required } from './json-fields.js';
import { parseWindows, type WindowRules } from './ingest-windows.js';

/** One HTTP request a sender observed. */
export interface IngestRequest {
  readonly method: string;
  /** The route template; a raw path is folded as the node:http adapter folds it (`/jobs/42` → `/jobs/:id`). */
  readonly route: string;
  /** Index into STATUS_CLASSES. */
  readonly classIndex: number;
  readonly durationMs: number;
}

/** One execution of a named operation a sender observed. */
export interface IngestOperation {
  readonly name: string;
  readonly success: boolean;
  readonly durationMs: number;
  /** Custom labels, or undefined when none were given. */
  readonly labels: Labels | undefined;
}

/** A checked batch, ready to record and queue. */
export interface IngestBatch {
  readonly requests: readonly IngestRequest[];
  readonly operations: readonly IngestOperation[];
  readonly windows: readonly Window[];
}

/** What a batch is checked against: the window rules, plus the item cap. */
export interface IngestRules extends WindowRules {
  /** Most items (requests + operations + windows) one batch may hold. */
  readonly maxItems: number;
}

/** Labels an operation cannot carry: Velocity sets them (the process labels, `operation`, `outcome`). */
export const RESERVED_OPERATION_LABELS: ReadonlySet<string> = new Set([
  'service',
  'instance',
  'env',
  'release_sha',
  'build_time',
  'operation',
  'outcome',
]);

/** The status values other than a code: the request timed out, or the client went away. */
const NAMED_STATUSES = ['timeout', 'aborted'] as const;

/**
 * Checks a parsed ingest body and returns the batch. Nothing is recorded here: the caller
 * records only once the whole batch has passed, so a bad batch leaves no trace.
 */
export function parseIngestBatch(body: unknown, rules: IngestRules): IngestBatch {
  const raw = readObject(body, '', ['requests', 'operations', 'windows']);
  const requests = raw.requests === undefined ? [] : readArray(raw.requests, 'requests');
  const operations = raw.operations === undefined ? [] : readArray(raw.operations, 'operations');
  const windows = raw.windows === undefined ? [] : readArray(raw.windows, 'windows');
  const items = requests.length + operations.length + windows.length;
  if (items > rules.maxItems) {
    throw new VelocityError(
      'PAYLOAD_TOO_LARGE',
      `the batch holds ${items} items (requests + operations + windows); at most ${rules.maxItems} are accepted per request: split it`,
    );
  }
  return {
    requests: requests.map((item, i) => parseRequest(item, `requests[${i}]`)),
    operations: operations.map((item, i) => parseOperation(item, `operations[${i}]`)),
    windows: parseWindows(windows, 'windows', rules),
  };
}

function parseRequest(value: unknown, path: string): IngestRequest {
  const raw = readObject(value, path, ['method', 'route', 'status', 'duration_ms']);
  return {
    method: readString(required(raw, path, 'method'), `${path}.method`, 32),
    route: routeTemplate(readString(required(raw, path, 'route'), `${path}.route`)),
    classIndex: readStatus(required(raw, path, 'status'), `${path}.status`),
    durationMs: readNumber(required(raw, path, 'duration_ms'), `${path}.duration_ms`, 0),
  };
}

/** A status code from 100 to 599, or `timeout` / `aborted`, as a status-class index. */
function readStatus(value: unknown, path: string): number {
  if (typeof value === 'string') {
    if (!(NAMED_STATUSES as readonly string[]).includes(value)) {
      throw invalidParameter(path, `must be a status code from 100 to 599, "timeout" or "aborted", not ${describeJson(value)}`);
    }
    return STATUS_CLASSES.indexOf(value as (typeof NAMED_STATUSES)[number]);
  }
  return statusClassIndex(readInteger(value, path, 100, 599));
}

function parseOperation(value: unknown, path: string): IngestOperation {
  const raw = readObject(value, path, ['name', 'success', 'duration_ms', 'labels']);
  const labels = raw.labels === undefined ? undefined : readLabels(raw.labels, `${path}.labels`, RESERVED_OPERATION_LABELS);
  return {
    name: readString(required(raw, path, 'name'), `${path}.name`, 255),
    success: readBoolean(required(raw, path, 'success'), `${path}.success`),
    durationMs: readNumber(required(raw, path, 'duration_ms'), `${path}.duration_ms`, 0),
    labels: labels !== undefined && Object.keys(labels).length > 0 ? labels : undefined,
  };
}
