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
  if (/\bcreate\s+view\b/.test(s) && /\border\s+by\b/.test(withoutWindows(s)))
    problems.push('ORDER BY in a view');
  return problems;
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
