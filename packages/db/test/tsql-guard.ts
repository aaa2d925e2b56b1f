/**
 * Constructs Kysely compiles without complaint that SQL Server rejects, or that this project
 * excludes (MERGE, CREATE OR ALTER). Returns what it found; empty means clean.
 */
export function findTsqlProblems(statement: string): string[] {
  const problems: string[] = [];
  const s = statement.toLowerCase();
  const rules: Array<[RegExp, string]> = [
    [/\bcreate\s+(unique\s+)?(table|index|view|schema)\s+if\s+not\s+exists\b/, 'CREATE … IF NOT EXISTS'],
    [/\blimit\s+(@\d+|\d+)/, 'LIMIT (use TOP or OFFSET/FETCH)'],
    [/\breturning\b/, 'RETURNING (use OUTPUT)'],
    [/\bon\s+conflict\b/, 'ON CONFLICT'],
    [/\bmerge\s+into\b|^\s*merge\b/, 'MERGE (excluded)'],
    [/\bcreate\s+or\s+alter\b/, 'CREATE OR ALTER (excluded)'],
    [/^\s*update\s+\S+\s+as\s+/, 'UPDATE with a table alias'],
    [/\binsert\s+or\s+(ignore|replace)\b/, 'INSERT OR …'],
    [/\b(strftime|julianday|pragma|sqlite_master)\b/, 'SQLite-only function'],
    [/\bautoincrement\b/, 'AUTOINCREMENT'],
  ];
  for (const [pattern, problem] of rules) if (pattern.test(s)) problems.push(problem);
  // Babelfish keeps its own catalog names for indexes: a guard by name never finds the index,
  // and the second run fails with "already exists". INDEXPROPERTY asks by the name we gave.
  if (/\bsys\.indexes\b[\s\S]*?\bname\s*=/.test(s)) problems.push('index guard by name in sys.indexes');
  if (/\bdbcc\b/.test(s) && !/\bbegin\s+try\b[\s\S]*\bdbcc\b[\s\S]*\bend\s+try\b/.test(s))
    problems.push('DBCC outside TRY/CATCH');
  for (const column of unaliasedOutputColumns(statement)) problems.push(`unaliased OUTPUT column ${column}`);
  if (/\bcreate\s+view\b/.test(s) && /\border\s+by\b/.test(withoutWindows(s)))
    problems.push('ORDER BY in a view');
  return problems;
}

/**
 * OUTPUT columns must read `inserted.[C] AS [C]`: unaliased, Babelfish names the result column in
 * lower case and the row reads undefined. Returns the offending items.
 */
function unaliasedOutputColumns(statement: string): string[] {
  const found: string[] = [];
  for (const m of statement.matchAll(
    /\boutput\s+([\s\S]+?)(?=\s+(?:values|where|from|select|default\s+values|into)\b|;|$)/gi,
  )) {
    for (const item of m[1]!.split(',').map((i) => i.trim())) {
      if (!/^(inserted|deleted)\.\[\w+\] as \[\w+\]$/i.test(item)) found.push(item);
    }
  }
  return found;
}

/** Removes `over (…)` clauses, whose ORDER BY is allowed in a view. */
function withoutWindows(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const m = /\bover\s*\(/g;
    m.lastIndex = i;
    const found = m.exec(s);
    if (!found) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, found.index);
    let depth = 0;
    let j = found.index + found[0].length - 1;
    for (; j < s.length; j++) {
      if (s[j] === '(') depth++;
      else if (s[j] === ')' && --depth === 0) break;
    }
    i = j + 1;
  }
  return out;
}
