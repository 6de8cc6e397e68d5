import {
  AthenaClient,
  AthenaServiceException,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { createAthenaEngine, toAthenaLiteral } from '../../../../../functions/shared/adapters/athena';
import { AwsThrottledError, AwsTransientError, HuntFailedError } from '../../../../../functions/shared/errors';

const athenaMock = mockClient(AthenaClient);
const client = new AthenaClient({ region: 'us-east-1' });
const COLUMNS: ColumnInfo[] = [
  { Name: 'src', Type: 'varchar' },
  { Name: 'connections', Type: 'bigint' },
  { Name: 'total_duration', Type: 'double' },
];
const header = { Data: COLUMNS.map((c) => ({ VarCharValue: c.Name })) };
const row = (src: string, n: number, d?: number) => ({ Data: [{ VarCharValue: src }, { VarCharValue: String(n) }, d === undefined ? {} : { VarCharValue: String(d) }] });

function engine(sleeps: number[] = [], maxWaitMs = 60_000) {
  return createAthenaEngine(client, { workGroup: 'mirrorhunt', database: 'mirrorhunt_zeek', pollIntervalMs: 100, maxWaitMs, sleep: async (ms) => void sleeps.push(ms) });
}

beforeEach(() => {
  athenaMock.reset();
});

describe('Athena query engine', () => {
  it('starts the query in the workgroup and database with every value as a quoted SQL literal', async () => {
    // Prepare
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1234, TotalExecutionTimeInMillis: 850 } } });
    athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [header] } });
    // Act
    const run = await engine().run('SELECT 1 WHERE a = ? AND b = ? AND c = ?', ["x' OR '1'='1", 1700000000.5, '']);
    // Assess
    expect(athenaMock).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1 WHERE a = ? AND b = ? AND c = ?',
      WorkGroup: 'mirrorhunt',
      QueryExecutionContext: { Database: 'mirrorhunt_zeek' },
      ExecutionParameters: ["'x'' OR ''1''=''1'", '1700000000.5', "''"],
    });
    expect(run).toEqual({ rows: [], elapsedMs: 850, bytesScanned: 1234 });
  });

  it('polls with a doubling interval until the query succeeds', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [header] } });
    const sleeps: number[] = [];
    await engine(sleeps).run('SELECT 1', []);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 4);
  });

  it('stops the query and fails the hunt when the wait bound is reached', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    await expect(engine([], 1000).run('SELECT 1', [])).rejects.toThrow(HuntFailedError);
    expect(athenaMock).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: 'q-slow' });
  });

  it('reads every page of results, skipping the header row once, with typed values and NULLs', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [header, row('10.0.0.1', 5, 7200.5)] }, NextToken: 'p2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'p2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [row('10.0.0.2', 3)] } });
    const run = await engine().run('SELECT 1', []);
    expect(run.rows).toEqual([
      { src: '10.0.0.1', connections: 5, total_duration: 7200.5 },
      { src: '10.0.0.2', connections: 3, total_duration: null },
    ]);
    expect(athenaMock).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
  });

  it('fails the hunt with Athena\'s reason when the query fails', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'COLUMN_NOT_FOUND: line 3:5' } } });
    await expect(engine().run('SELECT nope', [])).rejects.toThrow(new HuntFailedError('Athena query q-1 FAILED: COLUMN_NOT_FOUND: line 3:5'));
  });

  it('turns Athena throttling into the retryable AwsThrottledError', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(new AthenaServiceException({ name: 'TooManyRequestsException', $fault: 'client', $metadata: {}, message: 'slow down' }));
    await expect(engine().run('SELECT 1', [])).rejects.toThrow(AwsThrottledError);
  });

  it('turns an Athena server error into the retryable AwsTransientError', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(new AthenaServiceException({ name: 'InternalServerException', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'oops' }));
    await expect(engine().run('SELECT 1', [])).rejects.toThrow(AwsTransientError);
  });

  it('keeps the whole pack within its time budget: stops the query running when it ends and starts no other', async () => {
    // Prepare: every query stays RUNNING; a clock that moves with the engine's sleeps; a 10 s budget.
    athenaMock.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'q-1' }).resolves({ QueryExecutionId: 'q-2' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    let clock = 0;
    const budgeted = createAthenaEngine(client, { workGroup: 'mirrorhunt', database: 'mirrorhunt_zeek', pollIntervalMs: 1000, maxWaitMs: 60_000, budgetMs: 10_000, now: () => clock, sleep: async (ms) => void (clock += ms) });

    // Act: three hunts one after another, as the pack runs them.
    const outcomes = [];
    for (const sql of ['SELECT 1', 'SELECT 2', 'SELECT 3']) outcomes.push(await budgeted.run(sql, []).then(() => 'ok', (e: Error) => e.message));

    // Assess: the first two stopped at the budget (each where its next poll would pass it), the third never started.
    expect(outcomes[0]).toMatch(/q-1 still RUNNING .*stopped: the hunt pack's time budget \(10 s\) ran out/);
    expect(outcomes[1]).toMatch(/q-2 still RUNNING .*stopped: the hunt pack's time budget/);
    expect(outcomes[2]).toMatch(/not started: the hunt pack's time budget/);
    expect(clock).toBeLessThanOrEqual(10_000);
    expect(athenaMock.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionId)).toEqual(['q-1', 'q-2']);
    expect(athenaMock).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 2);
  });

  it('turns a rejected request into HuntFailedError naming the AWS code', async () => {
    athenaMock.on(StartQueryExecutionCommand).rejects(new AthenaServiceException({ name: 'InvalidRequestException', $fault: 'client', $metadata: {}, message: 'line 1:8: mismatched input' }));
    await expect(engine().run('SELEC 1', [])).rejects.toThrow(/InvalidRequestException/);
  });

  it('omits ExecutionParameters when a query has none (Athena rejects an empty list)', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [header] } });
    await engine().run('SELECT 1', []);
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.ExecutionParameters).toBeUndefined();
  });

  it('refuses a list parameter longer than Athena takes, naming it, and starts no query', async () => {
    const hosts = Array.from({ length: 150 }, (_, i) => `10.0.${i}.${i}`).join(',');
    await expect(engine().run('SELECT 1 WHERE a = ? AND b = ?', ['x', hosts])).rejects.toThrow(/parameter 2 is \d+ characters .* at most 1024/);
    expect(athenaMock).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 0);
  });

  it('refuses a number that has no SQL literal', () => {
    expect(() => toAthenaLiteral(Number.NaN)).toThrow(HuntFailedError);
  });
});
