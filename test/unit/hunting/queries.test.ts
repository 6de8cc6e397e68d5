import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { listHunts, parseQueryFile, resolveQueriesDir } from '../../../functions/shared/hunting/pack';

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

  it.each(files)('%s parses as Trino SQL', (file) => {
    const errors = trino.validate(readFileSync(join(dir, file), 'utf8'));
    expect(errors).toEqual([]);
  });

  it.each(files)('%s opens with a header naming it, its title, parameters, output and thresholds', (file) => {
    const q = parseQueryFile(readFileSync(join(dir, file), 'utf8'));
    const hunt = listHunts().find((h) => `${h.name}.sql` === file);
    expect(q.header).toMatchObject({ name: hunt?.name, title: hunt?.title });
    expect(Object.keys(q.header)).toEqual(expect.arrayContaining(['detects', 'params', 'output', 'thresholds', 'excludes']));
  });

  it.each(files)('%s declares one parameter name per ? placeholder', (file) => {
    const q = parseQueryFile(readFileSync(join(dir, file), 'utf8'));
    const placeholders = q.sql.split('\n').filter((l) => !l.startsWith('--')).join('\n').match(/\?/g) ?? [];
    expect(q.params).toHaveLength(placeholders.length);
  });

  it.each(files)('%s restricts the time window and the partitions (dt and hour) so Athena scans only the window', (file) => {
    const q = parseQueryFile(readFileSync(join(dir, file), 'utf8'));
    expect(q.params.slice(0, 8)).toEqual(['dt_from', 'dt_from', 'hour_from', 'dt_to', 'dt_to', 'hour_to', 'ts_from', 'ts_to']);
    expect(q.sql).toMatch(/\((?:c\.)?dt > \? OR \((?:c\.)?dt = \? AND (?:c\.)?"hour" >= \?\)\) AND \((?:c\.)?dt < \? OR \((?:c\.)?dt = \? AND (?:c\.)?"hour" <= \?\)\)/);
  });
});
