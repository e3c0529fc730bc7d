/**
 * A small JSON Schema (2020-12) checker covering the keywords docs/ingest.schema.json uses,
 * so tests can hold the schema file to the examples and to the server's validator. It throws
 * on a keyword it does not know rather than ignore it.
 * @module
 */

type Schema = Record<string, unknown>;

const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', 'examples', '$defs', '$ref', 'type', 'properties', 'required',
  'additionalProperties', 'items', 'enum', 'const', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxProperties', 'propertyNames', 'oneOf', 'not',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function resolve(root: Schema, ref: string): Schema {
  const match = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = root.$defs as Record<string, Schema> | undefined;
  if (match === null || defs?.[match[1]] === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return defs[match[1]];
}

/** The first place where `value` breaks `schema` (a JSON-pointer-like path and why), or null when it conforms. */
export function schemaError(root: Schema, value: unknown, schema: Schema = root, path = ''): string | null {
  for (const keyword of Object.keys(schema)) if (!KNOWN.has(keyword)) throw new Error(`unsupported keyword ${keyword}`);
  const fail = (why: string): string => `${path || '/'}: ${why}`;
  if (typeof schema.$ref === 'string') {
    const error = schemaError(root, value, resolve(root, schema.$ref), path);
    if (error !== null) return error;
  }
  const type = typeOf(value);
  if (typeof schema.type === 'string' && !(schema.type === type || (schema.type === 'number' && type === 'integer'))) {
    return fail(`expected ${schema.type}, got ${type}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return fail(`not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) return fail(`not ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) return fail(`above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return fail('too short');
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return fail('too long');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return fail(`does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return fail('too few items');
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const error = schemaError(root, value[i], schema.items as Schema, `${path}/${i}`);
        if (error !== null) return error;
      }
    }
  }
  if (type === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) return fail(`missing ${name}`);
    if (typeof schema.maxProperties === 'number' && Object.keys(object).length > schema.maxProperties) return fail('too many properties');
    for (const [name, field] of Object.entries(object)) {
      if (schema.propertyNames !== undefined) {
        const error = schemaError(root, name, schema.propertyNames as Schema, `${path}/${name} (name)`);
        if (error !== null) return error;
      }
      const sub = (properties[name] ?? schema.additionalProperties) as Schema | boolean | undefined;
      if (sub === false) return fail(`unknown property ${name}`);
      if (sub !== undefined && sub !== true) {
        const error = schemaError(root, field, sub as Schema, `${path}/${name}`);
        if (error !== null) return error;
      }
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((option) => schemaError(root, value, option, path) === null).length;
    if (passing !== 1) return fail(`matches ${passing} of the oneOf schemas, not exactly 1`);
  }
  if (schema.not !== undefined && schemaError(root, value, schema.not as Schema, path) === null) return fail('matches a "not" schema');
  return null;
}
