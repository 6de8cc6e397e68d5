import { ZEEK_TABLES, athenaType } from './schema';

/**
 * The Athena side of the hunt pack, generated from `schema.ts` and `queries/` so the Glue
 * columns, the DuckDB columns and the published named queries cannot drift apart:
 * `infra/athena.yml` is this module's output (`npx tsx functions/shared/hunting/athena-catalog.ts`),
 * and a test fails when the file is stale.
 */

/** Athena's result location; the log bucket's lifecycle rule expires it. */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
/** Per-query scan cutoff: an incident window is hours of one instance's logs, far below this. */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;
/** Partition projection starts here; earlier dates cannot hold our logs. */
const PROJECTION_START = '2024-01-01';

const GLUE_SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';

type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

const logicalId = (s: string): string => s.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
/** The stack is `<service>-<stage>`; Glue names allow no '-', so the database is `<service>_<stage>`. */
const DATABASE_NAME: Yaml = { 'Fn::Join': ['_', { 'Fn::Split': ['-', { Ref: 'AWS::StackName' }] }] };

/**
 * Where each table's logs live: incident sensors write `zeek/<log>/...`, the managed fleet's
 * sensors `fleet/zeek/<log>/...` (user data `MIRRORHUNT_PREFIX`); the fleet's tables are the same
 * logs with a `fleet_` prefix, so a hunt over fleet traffic names `fleet_conn` instead of `conn`.
 */
export const TABLE_PREFIXES: Array<{ table: string; keyPrefix: string }> = [
  { table: '', keyPrefix: 'zeek/' },
  { table: 'fleet_', keyPrefix: 'fleet/zeek/' },
];

/** The Athena console takes at most 25 `?` in a query with execution parameters (same page as above). */
export const CONSOLE_MAX_PARAMETERS = 25;

function tableResource(log: string, tablePrefix = '', keyPrefix = 'zeek/'): Yaml {
  const columns = (ZEEK_TABLES[log] ?? []).map((c) => ({ Name: c.name.toLowerCase(), Type: athenaType(c.kind) }));
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseName: { Ref: 'ZeekDatabase' },
      TableInput: {
        Name: `${tablePrefix}${log}`,
        Description: `Zeek ${log}.log as the ${keyPrefix === 'zeek/' ? 'incident' : 'fleet'} sensors ship it (JSON lines, gzip, hourly keys under ${keyPrefix})`,
        TableType: 'EXTERNAL_TABLE',
        Parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${PROJECTION_START},NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'projection.hour.type': 'integer',
          'projection.hour.range': '0,23',
          'projection.hour.digits': '2',
          // ${!x} is a literal ${x} for Fn::Sub: Athena fills dt and hour in, not CloudFormation.
          'storage.location.template': { 'Fn::Sub': `s3://\${LogBucket}/${keyPrefix}${log}/dt=\${!dt}/hour=\${!hour}/` },
        },
        PartitionKeys: [
          { Name: 'dt', Type: 'string' },
          { Name: 'hour', Type: 'int' },
        ],
        StorageDescriptor: {
          Location: { 'Fn::Sub': `s3://\${LogBucket}/${keyPrefix}${log}/` },
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: true,
          // The Hive JSON SerDe has no way to skip a malformed line (`ignore.malformed.json` is an
          // OpenX SerDe property): one would fail the hunt that reads it, reported in its outcome.
          // The sensors upload only closed, rotated files, so their lines are whole.
          SerdeInfo: { SerializationLibrary: GLUE_SERDE },
          Columns: columns,
        },
      },
    },
  };
}

export interface NamedQuerySource {
  name: string;
  title: string;
  description: string;
  sql: string;
}

export function athenaResources(queries: NamedQuerySource[]): Record<string, Yaml> {
  const resources: Record<string, Yaml> = {
    ZeekDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: DATABASE_NAME, Description: 'mirrorhunt: Zeek logs shipped by the sensors (partition projection, no crawler)' },
      },
    },
    HuntWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: { Ref: 'AWS::StackName' },
        Description: 'mirrorhunt hunts: enforced, encrypted result location and a per-query scan cutoff',
        RecursiveDeleteOption: true,
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: {
            OutputLocation: { 'Fn::Sub': `s3://\${LogBucket}/${ATHENA_RESULTS_PREFIX}` },
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      },
    },
  };
  for (const { table, keyPrefix } of TABLE_PREFIXES) {
    for (const log of Object.keys(ZEEK_TABLES)) resources[`Zeek${logicalId(`${table}${log}`)}Table`] = tableResource(log, table, keyPrefix);
  }
  for (const q of queries) {
    const count = (q.sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n').match(/\?/g) ?? []).length;
    // Published as is: the API and CLI take any number of ExecutionParameters, the console 25.
    const consoleNote = count > CONSOLE_MAX_PARAMETERS ? ` Takes ${count} parameters: more than the ${CONSOLE_MAX_PARAMETERS} the Athena console accepts, so run it with ExecutionParameters (aws athena start-query-execution, or mirrorhunt) rather than from the console.` : '';
    resources[`HuntQuery${logicalId(q.name)}`] = {
      Type: 'AWS::Athena::NamedQuery',
      Properties: {
        Name: `mirrorhunt ${q.name}: ${q.title}`.slice(0, 128),
        Description: `${q.description}${consoleNote}`.slice(0, 1024),
        Database: { Ref: 'ZeekDatabase' },
        WorkGroup: { Ref: 'HuntWorkGroup' },
        QueryString: q.sql.trimEnd(),
      },
    };
  }
  return resources;
}

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

/** A small YAML writer for the shapes above: maps, lists, scalars, and SQL as block literals. */
export function toYaml(value: Yaml, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (typeof item === 'object') {
          const inner = toYaml(item, indent + 2).replace(/^\s+/, '');
          return `${pad}- ${inner}`;
        }
        return `${pad}- ${scalar(item)}\n`;
      })
      .join('');
  }
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => {
        if (typeof v === 'string' && v.includes('\n')) {
          return `${pad}${k}: |-\n${v.split('\n').map((l) => (l === '' ? '' : `${pad}  ${l}`)).join('\n')}\n`;
        }
        if (typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) return `${pad}${k}:\n${toYaml(v, indent + 2)}`;
        return `${pad}${k}: ${typeof v === 'object' ? (Array.isArray(v) ? '[]' : '{}') : scalar(v)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

export function athenaYaml(queries: NamedQuerySource[]): string {
  return `# GENERATED by functions/shared/hunting/athena-catalog.ts from schema.ts and queries/*.sql: do not edit.\n# Regenerate: npx tsx functions/shared/hunting/athena-catalog.ts > infra/athena.yml\nResources:\n${toYaml(athenaResources(queries), 2)}`;
}

/** The same table as Athena DDL, for setting it up by hand (and checked by the Hive SQL parser). */
export function createTableDdl(log: string, bucket: string, database = 'mirrorhunt'): string {
  const columns = (ZEEK_TABLES[log] ?? []).map((c) => `  \`${c.name.toLowerCase()}\` ${athenaType(c.kind)}`).join(',\n');
  const location = `s3://${bucket}/zeek/${log}/`;
  return `CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.${log} (
${columns}
)
PARTITIONED BY (\`dt\` string, \`hour\` int)
ROW FORMAT SERDE '${GLUE_SERDE}'
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '${PROJECTION_START},NOW',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = '${location}dt=\${dt}/hour=\${hour}/'
)`;
}

if (require.main === module) {
  // Loaded lazily so the module stays free of filesystem access when imported.
  void import('./pack').then(({ listHunts, readQuery }) => {
    process.stdout.write(athenaYaml(listHunts().map((h) => ({ ...h, sql: readQuery(h.name).sql }))));
  });
}
