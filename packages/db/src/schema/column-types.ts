import type { ColumnType, Generated } from 'kysely';

/**
 * Date columns come back as `Date` from SQL Server and as ISO-8601 text from SQLite;
 * writes accept either (the SQLite driver wrapper turns a Date into ISO text).
 */
export type DateTimeColumn = ColumnType<Date | string, Date | string | undefined, Date | string>;
export type NullableDateTimeColumn = ColumnType<
  Date | string | null,
  Date | string | null | undefined,
  Date | string | null
>;

/** BIT on SQL Server (boolean), INTEGER 0/1 on SQLite; writes take a boolean. */
export type BitColumn = ColumnType<boolean | number, boolean | undefined, boolean>;

/** An identity / autoincrement primary key. */
export type IdColumn = Generated<number>;

/** A column with a database default: optional on insert. */
export type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Aggregates cast to BIGINT come back as strings from tedious; normalise with Number(). */
export type BigCount = number | string;
