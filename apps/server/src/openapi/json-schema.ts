import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export type Json = Record<string, unknown>;

const COMPONENT_REF = '#/components/schemas/';
const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** `#/$defs/X` → `#/components/schemas/X`, and zod's implicit ±MAX_SAFE_INTEGER bounds dropped. */
function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
      out[key] = `${COMPONENT_REF}${v.slice('#/$defs/'.length)}`;
    } else if ((key === 'minimum' && v === -SAFE_INTEGER) || (key === 'maximum' && v === SAFE_INTEGER)) {
      // zod writes these for every .int(); they say nothing a reader needs.
    } else {
      out[key] = rewrite(v);
    }
  }
  return out;
}

/**
 * zod schemas → JSON Schema 2020-12 (what OpenAPI 3.1 uses), through `z.toJSONSchema`. Schemas
 * named with `.meta({ id })` become shared components, referenced wherever they appear.
 */
export class SchemaSet {
  readonly components: Record<string, Json> = {};

  /** A request's schema (`io: 'input'`: defaults make a field optional) or an answer's (`'output'`). */
  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const {
      $schema: _,
      $defs,
      ...root
    } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json & {
      $defs?: Record<string, Json>;
    };
    for (const [id, def] of Object.entries($defs ?? {})) this.add(id, rewrite(def) as Json);
    return rewrite(root) as Json;
  }

  /** A hand-written component (the error envelope). Two different schemas under one name are a bug. */
  add(id: string, schema: Json): void {
    const known = this.components[id];
    if (known !== undefined && !isDeepStrictEqual(known, schema))
      throw new Error(`Two different schemas are named ${id} in the OpenAPI document`);
    this.components[id] = schema;
  }
}
