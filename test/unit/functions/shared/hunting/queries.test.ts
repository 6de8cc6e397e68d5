import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { compileNamedParameters, listHunts, parseQueryFile, resolveQueriesDir } from '../../../../../functions/shared/hunting/pack';

const dir = resolveQueriesDir();
const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
const trino = new TrinoSQL();

describe('queries/', () => {
  it('holds exactly one file per hunt in the pack', () => {
    expect(files.map((f) => f.replace(/\.sql$/, '')).sort()).toEqual(listHunts().map((h) => h.name).sort());
  });

  it('has a parser check with teeth: broken SQL is reported', () => {
    expect(trino.validate('SELECT src FROM conn WHERE GROUP BY')).not.toEqual([]);
  });

  it.each(files)('%s parses as Trino SQL once its named placeholders are compiled to ?', (file) => {
    const errors = trino.validate(parseQueryFile(readFileSync(join(dir, file), 'utf8')).sql);
    expect(errors).toEqual([]);
  });

  it.each(files)('%s opens with a header naming it, its title, output, thresholds and exclusions', (file) => {
    const q = parseQueryFile(readFileSync(join(dir, file), 'utf8'));
    const hunt = listHunts().find((h) => `${h.name}.sql` === file);
    expect(q.header).toMatchObject({ name: hunt?.name, title: hunt?.title });
    expect(Object.keys(q.header)).toEqual(expect.arrayContaining(['detects', 'output', 'thresholds', 'excludes']));
    // The parameter list is derived from the SQL; a hand-kept one could drift from it.
    expect(q.header.params).toBeUndefined();
  });

  it.each(files)('%s uses named placeholders only: no ? in the file itself', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(stripCommentsAndStrings(text)).not.toContain('?');
  });

  it.each(files)('%s takes ? parameters in WHERE clauses only (Athena: "? parameters can be placed only in the WHERE clause")', (file) => {
    // https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
    expect(placeholdersOutsideWhere(parseQueryFile(readFileSync(join(dir, file), 'utf8')).sql)).toEqual([]);
  });

  it.each(files)('%s restricts the time window and the partitions (dt and hour) so Athena scans only the window', (file) => {
    const q = parseQueryFile(readFileSync(join(dir, file), 'utf8'));
    expect(q.params.slice(0, 8)).toEqual(['dt_from', 'dt_from', 'hour_from', 'dt_to', 'dt_to', 'hour_to', 'ts_from', 'ts_to']);
    expect(q.sql).toMatch(/\((?:c\.)?dt > \? OR \((?:c\.)?dt = \? AND (?:c\.)?"hour" >= \?\)\) AND \((?:c\.)?dt < \? OR \((?:c\.)?dt = \? AND (?:c\.)?"hour" <= \?\)\)/);
  });
});

describe('named placeholders', () => {
  it('compile to ? in order, a repeated name binding twice, leaving strings, quoted names, comments and casts alone', () => {
    const { sql, params } = compileNamedParameters(`-- uses :not_me\nSELECT x::int, ':nor_me', "a:b" FROM t WHERE a = :a AND (b = :b OR c = :a)`);
    expect(sql).toBe(`-- uses :not_me\nSELECT x::int, ':nor_me', "a:b" FROM t WHERE a = ? AND (b = ? OR c = ?)`);
    expect(params).toEqual(['a', 'b', 'a']);
  });
});

describe('the WHERE-only check', () => {
  it('has teeth: a ? in HAVING, in the select list or in ON is reported, one in a nested WHERE is not', () => {
    expect(placeholdersOutsideWhere('SELECT a FROM t GROUP BY a HAVING count(*) < ?')).toEqual(['HAVING']);
    expect(placeholdersOutsideWhere('SELECT ? FROM t')).toEqual(['SELECT']);
    expect(placeholdersOutsideWhere('SELECT a FROM t JOIN u ON t.x = u.x AND u.y = ?')).toEqual(['ON']);
    expect(placeholdersOutsideWhere('SELECT * FROM (SELECT a FROM t WHERE (b > ? OR (c = ?))) AS s WHERE a < ?')).toEqual([]);
  });
});

function stripCommentsAndStrings(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
}

/** The clause (SELECT, HAVING, ON, ...) of every ? that is not inside a WHERE clause at its own nesting level. */
function placeholdersOutsideWhere(sql: string): string[] {
  const text = stripCommentsAndStrings(sql);
  const tokens = text.match(/\(|\)|\?|[A-Za-z_]+/g) ?? [];
  const clauses = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'ON', 'JOIN', 'UNION', 'WITH']);
  // One entry per open parenthesis: the clause last seen at that depth (undefined until one is).
  const stack: Array<string | undefined> = [undefined];
  const bad: string[] = [];
  for (const t of tokens) {
    if (t === '(') stack.push(undefined);
    else if (t === ')') stack.pop();
    else if (t === '?') {
      const clause = [...stack].reverse().find((c) => c !== undefined);
      if (clause !== 'WHERE') bad.push(clause ?? 'none');
    } else if (clauses.has(t.toUpperCase())) stack[stack.length - 1] = t.toUpperCase();
  }
  return bad;
}
