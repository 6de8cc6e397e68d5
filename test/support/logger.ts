import { Logger } from '@aws-lambda-powertools/logger';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

/** A real powertools Logger whose lines are kept in memory instead of printed. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const logger = new Logger({ logLevel: 'SILENT' });
  const lines: LogLine[] = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation(((message: unknown, ...extra: unknown[]) => {
      const attributes = Object.assign({}, ...extra.filter((e) => typeof e === 'object' && e !== null)) as Record<string, unknown>;
      lines.push({ level, message: String(message), attributes });
    }) as never);
  }
  return { logger, lines };
}
