import { MAX_IDEMPOTENCY_KEY_LENGTH } from '@invoicegw/core';
import { z } from 'zod';
import { ServerError } from '../errors/error-table.ts';

/** The text fields of an extraction upload, as every route (legacy, REST, tRPC) reads them. */
export interface UploadFields {
  companyId: string;
  username?: string | undefined;
  branch?: string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * The one alias table: the form names each field is read from, first present wins, each
 * looked up by its exact name, then in any case (the old service's callers vary).
 */
export const UPLOAD_FIELD_ALIASES = {
  companyId: ['companyID', 'companyId', 'company_id'],
  username: ['username', 'userName', 'requestedBy'],
  // The old precedence: Division, then division-like fields, then branch.
  branch: ['Division', 'division', 'divisionname', 'branch', 'dept', 'department'],
  idempotencyKey: ['idempotencyKey'],
} as const satisfies Record<keyof UploadFields, readonly string[]>;

/** The header that carries the idempotency key; it wins over the form field. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Control characters and line separators: they forge log lines and break headers. */
const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}]/u;

/** Trimmed, at most `max` characters, printable; checked for length first so a huge value costs one pass. */
export const printableText = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .trim()
    .max(max, { error: `must be at most ${max} characters`, abort: true })
    .refine((v) => !UNPRINTABLE.test(v), { error: 'must be printable text (no control characters)' });

/** The most characters each field may have, after trimming. */
export const UPLOAD_FIELD_MAX = {
  companyId: 50,
  username: 200,
  branch: 200,
  idempotencyKey: MAX_IDEMPOTENCY_KEY_LENGTH,
} as const satisfies Record<keyof UploadFields, number>;

export const UploadFieldsSchema = z.object({
  companyId: printableText(UPLOAD_FIELD_MAX.companyId).refine((v) => v.length > 0, { error: 'is required' }),
  username: printableText(UPLOAD_FIELD_MAX.username).optional(),
  branch: printableText(UPLOAD_FIELD_MAX.branch).optional(),
  idempotencyKey: printableText(UPLOAD_FIELD_MAX.idempotencyKey).optional(),
});

/** What the fields are read from: a web FormData (tRPC) or a streamed upload's text fields. */
export interface FormFields {
  get(name: string): unknown;
  entries(): Iterable<[string, unknown]>;
}

type FormValue = unknown;

const FIELD_OF_NAME = new Map<string, keyof UploadFields>(
  Object.entries(UPLOAD_FIELD_ALIASES).flatMap(([field, names]) =>
    names.map((n) => [n.toLowerCase(), field as keyof UploadFields] as const),
  ),
);

/** The field a form name is read as (in any case), if any: a stream refuses one too long to read whole. */
export function uploadFieldOf(name: string): keyof UploadFields | undefined {
  return FIELD_OF_NAME.get(name.toLowerCase());
}

/** One refused field: the name the caller used, and why (never the value). */
export interface UploadFieldIssue {
  path: keyof UploadFields;
  field: string;
  message: string;
}

export type UploadFieldsResult =
  | { ok: true; fields: UploadFields }
  | { ok: false; issues: UploadFieldIssue[] };

/** A text field under the first of `names` that is present and not blank, and the name it came under. */
export function formField(
  form: FormFields,
  names: readonly string[],
): { name: string; value: string } | undefined {
  let lower: Map<string, { name: string; value: FormValue }> | undefined;
  for (const name of names) {
    let entry: { name: string; value: FormValue } | undefined;
    const exact = form.get(name);
    if (exact !== null) entry = { name, value: exact };
    else {
      lower ??= caseless(form);
      entry = lower.get(name.toLowerCase());
    }
    if (entry && typeof entry.value === 'string' && entry.value.trim() !== '')
      return { name: entry.name, value: entry.value };
  }
  return undefined;
}

function caseless(form: FormFields): Map<string, { name: string; value: FormValue }> {
  const out = new Map<string, { name: string; value: FormValue }>();
  for (const [name, value] of form.entries()) {
    const key = name.toLowerCase();
    if (!out.has(key)) out.set(key, { name, value });
  }
  return out;
}

/**
 * Reads and checks the upload's text fields: companyID ≤ 50, the others ≤ 200 printable
 * characters. `idempotencyHeader`, when sent and not blank, wins over the form field.
 */
export function parseUploadFields(
  form: FormFields,
  idempotencyHeader?: string | undefined,
): UploadFieldsResult {
  const header = idempotencyHeader?.trim()
    ? { name: IDEMPOTENCY_HEADER, value: idempotencyHeader }
    : undefined;
  const picked = {
    companyId: formField(form, UPLOAD_FIELD_ALIASES.companyId),
    username: formField(form, UPLOAD_FIELD_ALIASES.username),
    branch: formField(form, UPLOAD_FIELD_ALIASES.branch),
    idempotencyKey: header ?? formField(form, UPLOAD_FIELD_ALIASES.idempotencyKey),
  } satisfies Record<keyof UploadFields, { name: string; value: string } | undefined>;
  const parsed = UploadFieldsSchema.safeParse({
    companyId: picked.companyId?.value,
    username: picked.username?.value,
    branch: picked.branch?.value,
    idempotencyKey: picked.idempotencyKey?.value,
  });
  if (parsed.success) return { ok: true, fields: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => {
      const path = issue.path[0] as keyof UploadFields;
      const field = picked[path]?.name ?? path;
      return { path, field, message: `${field} ${issue.message}` };
    }),
  };
}

/** The fields, or a 400 VALIDATION_ERROR whose message names each refused field. */
export function uploadFieldsOrThrow(form: FormFields, idempotencyHeader?: string | undefined): UploadFields {
  const result = parseUploadFields(form, idempotencyHeader);
  if (result.ok) return result.fields;
  throw new ServerError(
    'VALIDATION_ERROR',
    `Invalid upload field: ${result.issues.map((i) => i.message).join('; ')}`,
    { details: { issues: result.issues.map((i) => ({ path: i.field, message: i.message })) } },
  );
}

/** Only the Idempotency-Key header (the tRPC upload reads the form through its input schema). */
export function idempotencyHeaderOrThrow(value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  const parsed = printableText(MAX_IDEMPOTENCY_KEY_LENGTH).safeParse(value);
  if (parsed.success) return parsed.data;
  const message = `${IDEMPOTENCY_HEADER} ${parsed.error.issues[0]?.message ?? 'is invalid'}`;
  throw new ServerError('VALIDATION_ERROR', `Invalid upload field: ${message}`, {
    details: { issues: [{ path: IDEMPOTENCY_HEADER, message }] },
  });
}
