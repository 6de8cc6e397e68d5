import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HiveSQL } from 'dt-sql-parser';
import { athenaResources, athenaYaml, createTableDdl } from '../../../functions/shared/hunting/athena-catalog';
import { listHunts, readQuery } from '../../../functions/shared/hunting/pack';
import { ZEEK_LOGS } from '../../../functions/shared/hunting/schema';

const sources = () => listHunts().map((h) => ({ ...h, sql: readQuery(h.name).sql }));

describe('Athena catalog (infra/athena.yml)', () => {
  it('is up to date with schema.ts and queries/ (regenerate with npx tsx functions/shared/hunting/athena-catalog.ts)', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', '..', 'infra', 'athena.yml'), 'utf8');
    expect(onDisk).toBe(athenaYaml(sources()));
  });

  it('declares a projected, JSON SerDe table per log, partitioned by dt and hour over the S3 layout', () => {
    const resources = athenaResources(sources()) as Record<string, { Type: string; Properties: { TableInput?: { Name: string; Parameters: Record<string, unknown>; PartitionKeys: unknown } } }>;
    const tables = Object.values(resources).filter((r) => r.Type === 'AWS::Glue::Table');
    expect(tables.map((t) => t.Properties.TableInput?.Name).sort()).toEqual([...ZEEK_LOGS].sort());
    for (const t of tables) {
      expect(t.Properties.TableInput?.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.hour.digits': '2' });
      expect(t.Properties.TableInput?.Parameters['storage.location.template']).toEqual({ 'Fn::Sub': `s3://\${LogBucket}/zeek/${t.Properties.TableInput?.Name}/dt=\${!dt}/hour=\${!hour}/` });
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
