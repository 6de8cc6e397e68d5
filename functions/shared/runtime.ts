import { AthenaClient } from '@aws-sdk/client-athena';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { parseConfig, type Config } from './config';
import type { QueryEngine } from './hunting/engine';

/**
 * What runHunts may spend in Athena per invocation: its Lambda timeout (serverless.yml, 600 s)
 * less a minute for results, scoring and the state hand-off. Checked against the template.
 */
export const HUNT_BUDGET_MS = 540_000;

export interface Clients {
  ec2: EC2Client;
  s3: S3Client;
  ssm: SSMClient;
  sfn: SFNClient;
}

/**
 * Everything a handler needs from outside. Lambda gets real AWS clients; the local runner gets
 * the same client classes wired to the account simulation, a simulated clock, and DuckDB.
 */
export interface Deps {
  config: Config;
  clients: Clients;
  now: () => Date;
  logger: Logger;
  queryEngine: () => Promise<QueryEngine>;
}

export const logger = new Logger({ serviceName: 'mirrorhunt' });

let awsDeps: Deps | undefined;

/** Built on first use, once per cold start, so importing a handler never touches AWS. */
export function getAwsDeps(): Deps {
  if (!awsDeps) {
    const config = parseConfig(process.env);
    const athena = new AthenaClient({});
    awsDeps = {
      config,
      clients: { ec2: new EC2Client({}), s3: new S3Client({}), ssm: new SSMClient({}), sfn: new SFNClient({}) },
      now: () => new Date(),
      logger,
      queryEngine: async () => {
        const { createAthenaEngine } = await import('./adapters/athena');
        const { required } = await import('./config');
        return createAthenaEngine(athena, { workGroup: required(config, 'athenaWorkGroup'), database: required(config, 'athenaDatabase'), budgetMs: HUNT_BUDGET_MS });
      },
    };
  }
  return awsDeps;
}

export type Step<I, O> = (input: I) => Promise<O>;

/**
 * Wraps a handler factory for Lambda. Errors keep their names (the state machine's contract)
 * and are logged once with the incident id, never with the whole event: findings carry IPs.
 */
export function lambdaHandler<I, O>(factory: (deps: Deps) => Step<I, O>) {
  let step: Step<I, O> | undefined;
  return middy<I, O>().handler(async (input: I) => {
    step ??= factory(getAwsDeps());
    try {
      return await step(input);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error('step failed', { errorName: err.name, errorMessage: err.message, incidentId: incidentIdOf(input) });
      throw err;
    }
  });
}

function incidentIdOf(input: unknown): string | undefined {
  if (typeof input === 'object' && input !== null && 'incidentId' in input && typeof input.incidentId === 'string') return input.incidentId;
  return undefined;
}
