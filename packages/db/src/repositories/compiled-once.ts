import { type Compilable, type CompiledQuery, createQueryId, type QueryResult } from 'kysely';
import type { DbHandle } from '../db-handle.ts';

/** Stands for one named value while a statement is compiled; replaced by the value at each run. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A fixed-shape statement of the hot path, compiled once per engine, schema names and set of
 * values given, then run with each call's values: building and compiling a Kysely query costs
 * more CPU than SQLite takes to run it (issue 14). It runs through the handle's own executor,
 * so transactions, logging and the recording test handle see it as before.
 *
 * `build` receives stand-ins for the values: it must pass them to Kysely untouched as values
 * (no arithmetic, no text, no branching on them except on whether one is undefined). A value
 * left undefined is part of the shape (Kysely omits the column, `$if` leaves a part out), never
 * a parameter. Plugins are a function of kind and schemas (dbPlugins), so those are in the key.
 */
export function compiledOnce<V extends object, R>(
  build: (handle: DbHandle, values: V) => Compilable<R>,
): (handle: DbHandle, values: V) => Promise<QueryResult<R>> {
  const compiled = new Map<string, CompiledQuery<R>>();
  return async (handle, given) => {
    const values = given as Record<string, unknown>;
    const names = Object.keys(values);
    // NUL never appears in a schema or property name: no two shapes share a key.
    let key = `${handle.kind}\0${handle.schemas.schema}\0${handle.schemas.tokenSchema}`;
    for (const name of names) key += values[name] === undefined ? `\0${name}?` : `\0${name}`;
    let query = compiled.get(key);
    if (!query) {
      const slots: Record<string, unknown> = {};
      for (const name of names) slots[name] = values[name] === undefined ? undefined : new Slot(name);
      query = build(handle, slots as V).compile();
      // A stand-in turned into text would be baked into every later run: refuse it at once.
      if (query.sql.includes('[object Object]'))
        throw new Error('compiledOnce: a value was used as SQL text');
      compiled.set(key, query);
    }
    const parameters = query.parameters.map((p) => (p instanceof Slot ? values[p.name] : p));
    return handle.db.executeQuery<R>({ ...query, parameters, queryId: createQueryId() });
  };
}
