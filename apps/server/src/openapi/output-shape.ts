import { z } from 'zod';

/** True when A and B are the same type, not merely assignable one way. */
type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/**
 * The zod schema of a type declared elsewhere (core's views, db's rows), for a procedure's
 * `.output()`. It compiles only while the schema's output and the type agree field for field:
 * tRPC's output validator drops keys the schema does not name, so a field added to the type
 * and not here would vanish from every answer. The error names both shapes.
 */
export const shapeOf =
  <T>() =>
  <S extends z.ZodType>(
    schema: S,
    ..._mismatch: Same<z.output<S>, T> extends true ? [] : [expected: T, schema: z.output<S>]
  ): S =>
    schema;

/** A moment as every answer writes it (`toIso`): ISO-8601 with a zone. Documented, not re-checked. */
export const Instant = z.string().meta({ format: 'date-time', description: 'ISO-8601 date and time' });

/** A row id. */
export const RowIdOut = z.number().int().min(1);

/** Token and request counts (a remaining or available figure can be below zero after a presumed charge). */
export const CountOut = z.number().int();
