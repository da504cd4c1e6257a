import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Explains why a value fails a schema as one problem at one field, in the terms of the
 * schema's own descriptions. typebox's error list reports every branch of every union
 * ("must be integer", "must be object", "must match a schema in anyOf"); this walks the
 * value instead, following the branch of a union that the value's shape selects, and
 * stops at the first bad field in the file's key order.
 */
export interface SchemaProblem {
  /** Dotted path of the field. */
  field: string;
  expected: string;
  got?: unknown;
  missing?: boolean;
  unknown?: boolean;
}

interface SchemaNode {
  type?: string;
  const?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  anyOf?: SchemaNode[];
}

export function explainSchemaProblem(schema: TSchema, value: unknown): SchemaProblem | undefined {
  return explain(schema, value, []);
}

function explain(node: SchemaNode, value: unknown, path: string[]): SchemaProblem | undefined {
  if (Value.Check(node as unknown as TSchema, value)) return undefined;
  const here = (): SchemaProblem => ({
    field: path.join('.'),
    expected: node.description ?? 'a different value',
    got: value,
  });

  if (node.anyOf) {
    // The branch of the value's type; among several (a range object or a weights object),
    // the one whose keys the value uses.
    let candidates = node.anyOf.filter((branch) => typeFits(branch, value));
    if (candidates.length > 1) candidates = candidates.filter((branch) => keysFit(branch, value));
    return candidates.length === 1 ? explain(candidates[0]!, value, path) : here();
  }
  if (node.type !== 'object' || !isPlainObject(value)) return here();

  for (const [key, child] of Object.entries(value)) {
    const childSchema = propertySchema(node, key);
    if (!childSchema) {
      const known = Object.keys(node.properties ?? {});
      return {
        field: [...path, key].join('.'),
        expected: known.length > 0 ? `one of ${known.join(', ')}` : (node.description ?? 'no such key'),
        unknown: true,
      };
    }
    const problem = explain(childSchema, child, [...path, key]);
    if (problem) return problem;
  }
  for (const key of node.required ?? []) {
    if (!(key in value)) {
      return {
        field: [...path, key].join('.'),
        expected: node.properties?.[key]?.description ?? 'a value',
        missing: true,
      };
    }
  }
  return here();
}

function propertySchema(node: SchemaNode, key: string): SchemaNode | undefined {
  const own = node.properties?.[key];
  if (own) return own;
  for (const [pattern, schema] of Object.entries(node.patternProperties ?? {})) {
    if (new RegExp(pattern).test(key)) return schema;
  }
  return undefined;
}

/** Whether a union branch takes values of this JavaScript type. */
function typeFits(branch: SchemaNode, value: unknown): boolean {
  if (branch.anyOf) return branch.anyOf.some((inner) => typeFits(inner, value));
  if (branch.const !== undefined) return typeof branch.const === typeof value;
  switch (branch.type) {
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isPlainObject(value);
    default:
      return false;
  }
}

/** Whether every key of an object value is one the (object) branch knows. */
function keysFit(branch: SchemaNode, value: unknown): boolean {
  return !isPlainObject(value) || Object.keys(value).every((key) => propertySchema(branch, key) !== undefined);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
