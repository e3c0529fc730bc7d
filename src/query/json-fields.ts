/**
 * Reading typed fields out of parsed JSON: each reader checks one value and, when it is not
 * what was asked for, throws INVALID_PARAMETER naming its path (`requests[3].duration_ms`)
 * and what is wrong.
 * @module
 */
import { invalidParameter, missingParameter } from '../errors.js';
import type { Labels } from '../model/labels.js';

/** A parsed JSON object, its fields not yet checked. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** The shape of a JSON value, as error messages name it. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

/** The path of field `name` of the object at `path`; the body's own fields (path '') by their name alone. */
function fieldPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/**
 * `value` as an object whose every field is one of `allowed` (a typo is an error, never
 * silently ignored); throws naming `path` (`body` for the body itself, path '') otherwise.
 */
export function readObject(value: unknown, path: string, allowed: readonly string[]): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter(path === '' ? 'body' : path, `must be an object, not ${describeJson(value)}`);
  }
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw invalidParameter(fieldPath(path, name), `unknown field (expected ${allowed.join(', ')})`);
    }
  }
  return value as JsonObject;
}

/** Field `name` of `object`; throws MISSING_PARAMETER naming its path when it is absent or null. */
export function required(object: JsonObject, path: string, name: string): unknown {
  const value = object[name];
  if (value === undefined || value === null) throw missingParameter(fieldPath(path, name));
  return value;
}

/** `value` as an array of at least `minItems` items. */
export function readArray(value: unknown, path: string, minItems = 0): readonly unknown[] {
  if (!Array.isArray(value)) throw invalidParameter(path, `must be an array, not ${describeJson(value)}`);
  if (value.length < minItems) throw invalidParameter(path, `must hold at least ${minItems} item${minItems === 1 ? '' : 's'}`);
  return value;
}

/** `value` as a finite number ≥ `min` (when given). */
export function readNumber(value: unknown, path: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidParameter(path, `must be a finite number, not ${describeJson(value)}`);
  }
  if (value < min) throw invalidParameter(path, `must be ≥ ${min}, not ${value}`);
  return value;
}

/** `value` as a whole number (a safe integer) from `min` to `max`. */
export function readInteger(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidParameter(path, `must be a whole number, not ${describeJson(value)}`);
  }
  if (value < min || value > max) {
    throw invalidParameter(path, max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}, not ${value}` : `must be from ${min} to ${max}, not ${value}`);
  }
  return value;
}

/** `value` as a boolean. */
export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw invalidParameter(path, `must be true or false, not ${describeJson(value)}`);
  return value;
}

/** The longest string field accepted by `readString` unless told otherwise. */
export const MAX_STRING_LENGTH = 1_024;

/**
 * `value` as a non-empty string of at most `maxLength` characters without NUL (which
 * PostgreSQL text cannot hold), matching `pattern` when given (`rule` says it in words).
 */
export function readString(value: unknown, path: string, maxLength = MAX_STRING_LENGTH, pattern?: RegExp, rule?: string): string {
  if (typeof value !== 'string') throw invalidParameter(path, `must be a string, not ${describeJson(value)}`);
  if (value === '') throw invalidParameter(path, 'must not be empty');
  if (value.length > maxLength) throw invalidParameter(path, `must be at most ${maxLength} characters, not ${value.length}`);
  if (value.includes('\u0000')) throw invalidParameter(path, 'must not contain the NUL character');
  if (pattern !== undefined && !pattern.test(value)) throw invalidParameter(path, `${JSON.stringify(value)} ${rule ?? `does not match ${pattern}`}`);
  return value;
}

/** What a label name must match: letters, digits and `_`, not starting with a digit. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Most labels a label set may hold. */
export const MAX_LABELS = 32;

/**
 * `value` as a label set: an object of at most MAX_LABELS string values, each name matching
 * LABEL_NAME (at most 128 characters), not starting with `__` and not in `reserved`; each value a string as
 * `readString` takes it (empty allowed).
 */
export function readLabels(value: unknown, path: string, reserved: ReadonlySet<string> = new Set()): Labels {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter(path, `must be an object of label names to string values, not ${describeJson(value)}`);
  }
  const names = Object.keys(value);
  if (names.length > MAX_LABELS) throw invalidParameter(path, `must hold at most ${MAX_LABELS} labels, not ${names.length}`);
  const labels: Record<string, string> = {};
  for (const name of names) {
    const at = `${path}.${name}`;
    if (name.length > 128 || !LABEL_NAME.test(name)) throw invalidParameter(at, 'a label name must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128 characters)');
    if (name.startsWith('__')) throw invalidParameter(at, 'label names starting with "__" are reserved');
    if (reserved.has(name)) throw invalidParameter(at, `"${name}" is set by Velocity and cannot be given here`);
    const raw: unknown = (value as JsonObject)[name];
    labels[name] = raw === '' ? '' : readString(raw, at);
  }
  return labels;
}
