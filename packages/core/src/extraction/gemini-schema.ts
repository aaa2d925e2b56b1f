import { z } from 'zod';
import { InvoiceSchema } from './invoice-schema.ts';

/** Gemini's responseSchema: an OpenAPI 3.0 subset (uppercase types, `nullable`). */
export interface GeminiSchema {
  type: 'OBJECT' | 'ARRAY' | 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN';
  nullable?: boolean;
  description?: string;
  properties?: Record<string, GeminiSchema>;
  propertyOrdering?: string[];
  required?: string[];
  items?: GeminiSchema;
  enum?: string[];
}

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  description?: string;
};

/** Converts the JSON Schema zod emits into Gemini's dialect, so the zod schema stays the one source. */
export function toGeminiSchema(schema: JsonSchema): GeminiSchema {
  const variants = schema.anyOf ?? [schema];
  const nullable = variants.some(
    (v) => v.type === 'null' || (Array.isArray(v.type) && v.type.includes('null')),
  );
  const main = variants.find((v) => v.type !== 'null') ?? {};
  const rawType = Array.isArray(main.type) ? main.type.find((t) => t !== 'null') : main.type;
  const type = (rawType ?? 'string').toUpperCase() as GeminiSchema['type'];
  const out: GeminiSchema = { type };
  if (nullable) out.nullable = true;
  const description = schema.description ?? main.description;
  if (description) out.description = description;
  if (main.enum) out.enum = main.enum.map(String);
  if (main.properties) {
    out.properties = Object.fromEntries(
      Object.entries(main.properties).map(([k, v]) => [k, toGeminiSchema(v)]),
    );
    out.propertyOrdering = Object.keys(main.properties);
    out.required = main.required ?? Object.keys(main.properties);
  }
  if (main.items) out.items = toGeminiSchema(main.items);
  return out;
}

/** The response schema sent with every extraction, generated from InvoiceSchema. */
export const INVOICE_RESPONSE_SCHEMA: GeminiSchema = toGeminiSchema(
  z.toJSONSchema(InvoiceSchema) as JsonSchema,
);
