/**
 * The one seam between the hunt pack and where it runs: Athena in AWS, DuckDB on a laptop.
 * The same SQL text from `queries/` goes to both; values travel separately as `?` parameters.
 */
export type SqlParam = string | number;

export type SqlValue = string | number | boolean | null;

export interface QueryRun {
  rows: Array<Record<string, SqlValue>>;
  /** Bytes the engine read; Athena bills on this. DuckDB reports what it can or omits it. */
  bytesScanned?: number;
  elapsedMs: number;
}

export interface QueryEngine {
  readonly name: 'athena' | 'duckdb';
  /** How many queries the engine runs well at once; the pack runs one at a time when absent. */
  readonly concurrency?: number;
  run(sql: string, params: readonly SqlParam[]): Promise<QueryRun>;
  /** Releases what the engine holds (DuckDB: its memory and temporary folder); Athena holds nothing. */
  close?(): Promise<void>;
}
