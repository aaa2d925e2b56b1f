/**
 * A duplicate key on a unique index: SQLite's SQLITE_CONSTRAINT_UNIQUE, SQL Server's 2627
 * (constraint) or 2601 (index). An insert-if-missing that races with another writer ends here.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; number?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return e.number === 2627 || e.number === 2601;
}
