import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { HuntFailedError, isRetryable } from '../errors';
import type { QueryEngine, QueryRun, SqlParam, SqlValue } from '../hunting/engine';
import { awsErrorCode, translateAwsError } from './aws-errors';

export interface AthenaEngineOptions {
  workGroup: string;
  database: string;
  /** First wait between status polls; doubles up to 5 s. */
  pollIntervalMs?: number;
  /** Bound on one query's wait; past it the query is stopped and the hunt fails. */
  maxWaitMs?: number;
  /**
   * Bound on everything the engine runs, from its creation (a Lambda invocation's budget): past
   * it a running query is stopped and no new one starts, so the hunts that did finish still reach
   * the report instead of the whole invocation timing out with nothing.
   */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const MAX_POLL_INTERVAL_MS = 5000;

/**
 * Athena substitutes ExecutionParameters into the query text as SQL literals, so a string must
 * arrive already quoted, with its quotes doubled; numbers go as they are. This is what keeps a
 * finding's domain a value and never SQL.
 */
export function toAthenaLiteral(value: SqlParam): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new HuntFailedError(`cannot pass ${value} as an Athena parameter`);
    return String(value);
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** Athena takes each ExecutionParameters value up to this many characters. */
export const MAX_PARAMETER_LENGTH = 1024;

function athenaParameters(params: readonly SqlParam[]): string[] {
  return params.map((p, i) => {
    const literal = toAthenaLiteral(p);
    if (literal.length > MAX_PARAMETER_LENGTH) {
      throw new HuntFailedError(`parameter ${i + 1} is ${literal.length} characters as a literal; Athena takes at most ${MAX_PARAMETER_LENGTH} (too many hosts or pivot values in one list)`);
    }
    return literal;
  });
}

/**
 * Every SDK error becomes a name the state machine understands: throttling and transient
 * failures (5xx, timeouts) are retryable and fail the whole step, so it is retried; the rest is
 * a failed hunt, reported in its outcome.
 */
function translate(error: unknown, action: string): Error {
  const general = translateAwsError(error, action);
  if (isRetryable(general)) return general;
  const message = error instanceof Error ? error.message : String(error);
  return new HuntFailedError(`${action} failed with ${awsErrorCode(error)}: ${message}`, { cause: error });
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'float', 'real', 'decimal']);

function convert(raw: string | undefined, column: ColumnInfo | undefined): SqlValue {
  if (raw === undefined) return null;
  const type = (column?.Type ?? 'varchar').toLowerCase();
  if (NUMERIC.has(type)) return Number(raw);
  if (type === 'boolean') return raw === 'true';
  return raw;
}

export function createAthenaEngine(client: AthenaClient, options: AthenaEngineOptions): QueryEngine {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const firstInterval = options.pollIntervalMs ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  const deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : now() + options.budgetMs;
  const budgetNote = () => `the hunt pack's time budget (${Math.round((options.budgetMs ?? 0) / 1000)} s) ran out`;

  async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(error, action);
    }
  }

  async function waitFor(queryId: string): Promise<QueryExecution> {
    let waited = 0;
    let interval = firstInterval;
    for (;;) {
      const { QueryExecution: execution } = await call('GetQueryExecution', () => client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })));
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return execution as QueryExecution;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new HuntFailedError(`Athena query ${queryId} ${state}: ${execution?.Status?.StateChangeReason ?? 'no reason given'}`);
      }
      const outOfBudget = now() + interval > deadline;
      if (waited + interval > maxWaitMs || outOfBudget) {
        // Stop it so a runaway query does not keep scanning (and billing) after we gave up.
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => undefined);
        throw new HuntFailedError(`Athena query ${queryId} still ${state ?? 'unknown'} after ${waited} ms; stopped${outOfBudget ? `: ${budgetNote()}` : ''}`);
      }
      await sleep(interval);
      waited += interval;
      interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
    }
  }

  return {
    name: 'athena',
    async run(sql: string, params: readonly SqlParam[]): Promise<QueryRun> {
      const started = Date.now();
      if (now() >= deadline) throw new HuntFailedError(`not started: ${budgetNote()}`);
      const executionParameters = params.length > 0 ? athenaParameters(params) : undefined;
      const { QueryExecutionId: queryId } = await call('StartQueryExecution', () =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: options.workGroup,
            QueryExecutionContext: { Database: options.database },
            ...(executionParameters ? { ExecutionParameters: executionParameters } : {}),
          }),
        ),
      );
      if (!queryId) throw new HuntFailedError('StartQueryExecution returned no query id');
      const execution = await waitFor(queryId);

      const rows: Array<Record<string, SqlValue>> = [];
      let columns: ColumnInfo[] = [];
      let nextToken: string | undefined;
      let first = true;
      do {
        const page = await call('GetQueryResults', () => client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: nextToken, MaxResults: 1000 })));
        if (first) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        const data = page.ResultSet?.Rows ?? [];
        // A SELECT's first row on the first page repeats the column names.
        for (const row of first ? data.slice(1) : data) {
          const record: Record<string, SqlValue> = {};
          (row.Data ?? []).forEach((cell, i) => {
            const column = columns[i];
            record[column?.Name ?? `_col${i}`] = convert(cell.VarCharValue, column);
          });
          rows.push(record);
        }
        first = false;
        nextToken = page.NextToken;
      } while (nextToken);

      const stats = execution.Statistics;
      return {
        rows,
        elapsedMs: stats?.TotalExecutionTimeInMillis ?? Date.now() - started,
        ...(stats?.DataScannedInBytes !== undefined ? { bytesScanned: stats.DataScannedInBytes } : {}),
      };
    },
  };
}
