import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HiveSQL } from 'dt-sql-parser';
import { athenaResources, athenaYaml, createTableDdl } from '../../../../../functions/shared/hunting/athena-catalog';
import { listHunts, readQuery } from '../../../../../functions/shared/hunting/pack';
import { ZEEK_LOGS } from '../../../../../functions/shared/hunting/schema';

const sources = () => listHunts().map((h) => ({ ...h, sql: readQuery(h.name).sql }));

describe('Athena catalog (infra/athena.yml)', () => {
  it('is up to date with schema.ts and queries/ (regenerate with npx tsx functions/shared/hunting/athena-catalog.ts)', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'infra', 'athena.yml'), 'utf8');
    expect(onDisk).toBe(athenaYaml(sources()));
  });

  it('declares a projected, JSON SerDe table per log, partitioned by dt and hour over the S3 layout, for incident and fleet sensors', () => {
    const resources = athenaResources(sources()) as Record<string, { Type: string; Properties: { TableInput?: { Name: string; Parameters: Record<string, unknown>; PartitionKeys: unknown } } }>;
    const tables = Object.values(resources).filter((r) => r.Type === 'AWS::Glue::Table');
    expect(tables.map((t) => t.Properties.TableInput?.Name).sort()).toEqual([...ZEEK_LOGS, ...ZEEK_LOGS.map((l) => `fleet_${l}`)].sort());
    for (const t of tables) {
      const name = t.Properties.TableInput?.Name ?? '';
      const keyPrefix = name.startsWith('fleet_') ? `fleet/zeek/${name.slice('fleet_'.length)}` : `zeek/${name}`;
      expect(t.Properties.TableInput?.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.hour.digits': '2' });
      expect(t.Properties.TableInput?.Parameters['storage.location.template']).toEqual({ 'Fn::Sub': `s3://\${LogBucket}/${keyPrefix}/dt=\${!dt}/hour=\${!hour}/` });
    }
  });

  it('gives the logs the detection hunts read their own tables: open connections (conn, http, ssl), ssh, notice', () => {
    const names = Object.values(athenaResources(sources()) as Record<string, { Type: string; Properties: { TableInput?: { Name: string } } }>).map((r) => r.Properties.TableInput?.Name);
    expect(names).toEqual(expect.arrayContaining(['open_conn', 'open_http', 'open_ssl', 'ssh', 'notice', 'fleet_open_conn', 'fleet_conn']));
  });

  it('says in the named query when it takes more ? than the Athena console accepts (25), and not otherwise', () => {
    const resources = athenaResources(sources()) as Record<string, { Type: string; Properties: { Name?: string; QueryString?: string; Description?: string } }>;
    for (const q of Object.values(resources).filter((r) => r.Type === 'AWS::Athena::NamedQuery')) {
      const count = (q.Properties.QueryString?.split('\n').filter((l) => !l.startsWith('--')).join('\n').match(/\?/g) ?? []).length;
      expect(q.Properties.Description?.includes('more than the 25 the Athena console accepts')).toBe(count > 25);
    }
  });

  it('publishes every hunt as a named query in the workgroup', () => {
    const resources = athenaResources(sources()) as Record<string, { Type: string; Properties: { QueryString?: string; WorkGroup?: unknown } }>;
    const named = Object.values(resources).filter((r) => r.Type === 'AWS::Athena::NamedQuery');
    expect(named).toHaveLength(listHunts().length);
    expect(named.every((q) => JSON.stringify(q.Properties.WorkGroup) === '{"Ref":"HuntWorkGroup"}')).toBe(true);
  });

  it('enforces an encrypted result location and a bytes-scanned cutoff on the workgroup', () => {
    const wg = athenaResources([]).HuntWorkGroup as { Properties: { WorkGroupConfiguration: Record<string, unknown> } };
    expect(wg.Properties.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    });
  });

  it.each(ZEEK_LOGS)('the %s table DDL parses as Hive SQL', (log) => {
    expect(new HiveSQL().validate(createTableDdl(log, 'example-bucket'))).toEqual([]);
  });
});
