import type { AthenaClient } from '@aws-sdk/client-athena';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseConfig, type Config } from './config';
import type { ConsistencyWait } from './adapters/ec2/call';
import type { QueryEngine } from './hunting/engine';

/** What runHunts keeps back from its remaining time for results, scoring and the state hand-off. */
export const HUNT_RESERVE_MS = 60_000;
/**
 * The hunt budget when no Lambda context says otherwise (a local run): runHunts' Lambda timeout
 * (serverless.yml, 600 s) less the reserve. Checked against the template.
 */
export const HUNT_BUDGET_MS = 540_000;

/** The AWS clients a function may use; each function names the ones it does and gets only those. */
export interface Clients {
  ec2: EC2Client;
  s3: S3Client;
  ssm: SSMClient;
  sfn: SFNClient;
}
export type ClientName = keyof Clients;

/**
 * Everything a handler needs from outside. Lambda gets real AWS clients (only the ones the
 * function declares); the local runner gets the same client classes wired to the account
 * simulation, a simulated clock, and DuckDB.
 */
export interface Deps<C extends ClientName = never> {
  config: Config;
  clients: Pick<Clients, C>;
  now: () => Date;
  logger: Logger;
  queryEngine: () => Promise<QueryEngine>;
  /** Milliseconds this invocation may still run (Lambda's `getRemainingTimeInMillis`); absent locally. */
  remainingMs?: () => number;
  /**
   * How to wait for a just-created EC2 id to become visible; absent: `CONSISTENCY_WAIT` (real
   * time). The local runner waits no real time: its simulated ids settle by lookups, not by clock.
   */
  consistency?: ConsistencyWait;
}

/** The client classes a function declares, e.g. `{ ec2: EC2Client }`: imported by the handler, so a bundle holds only those. */
export type ClientClasses<C extends ClientName> = { [K in C]: new (config: object) => Clients[K] };

export const logger = new Logger({ serviceName: 'mirrorhunt' });

export type Step<I, O> = (input: I) => Promise<O>;

/**
 * Wraps a handler factory for Lambda: configuration parsed and clients built once per cold
 * start (on first use, so importing a handler never touches AWS). Powertools'
 * `injectLambdaContext` puts the request id, function name and cold-start flag on every log line;
 * the incident id is appended once per invocation and cleared after. Errors keep their names (the
 * state machine's contract) and are logged once, never with the whole event: findings carry IPs.
 */
export function lambdaHandler<C extends ClientName, I, O>(factory: (deps: Deps<C>) => Step<I, O>, classes?: ClientClasses<C>) {
  let step: Step<I, O> | undefined;
  let context: Context | undefined;
  const remainingMs = () => context?.getRemainingTimeInMillis() ?? HUNT_BUDGET_MS + HUNT_RESERVE_MS;
  const build = (): Step<I, O> => {
    const clients = Object.fromEntries(Object.entries(classes ?? {}).map(([name, Client]) => [name, new (Client as new (config: object) => unknown)({})])) as Pick<Clients, C>;
    return factory({
      config: parseConfig(process.env),
      clients,
      now: () => new Date(),
      logger,
      remainingMs,
      // The engine is made per invocation, so its budget is what this invocation has left.
      queryEngine: () => athenaEngine(Math.max(0, remainingMs() - HUNT_RESERVE_MS)),
    });
  };
  return middy<I, O>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input: I, lambdaContext: Context) => {
      context = lambdaContext;
      const incidentId = incidentIdOf(input);
      if (incidentId) logger.appendKeys({ incidentId });
      step ??= build();
      try {
        return await step(input);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        logger.error('step failed', { errorName: err.name, errorMessage: err.message });
        throw err;
      }
    });
}

/** Athena is loaded on first use: only runHunts asks for a query engine. */
async function athenaEngine(budgetMs: number): Promise<QueryEngine> {
  const [{ AthenaClient }, { createAthenaEngine }, { required }] = await Promise.all([import('@aws-sdk/client-athena'), import('./adapters/athena'), import('./config')]);
  const config = parseConfig(process.env);
  const athena: AthenaClient = new AthenaClient({});
  return createAthenaEngine(athena, { workGroup: required(config, 'athenaWorkGroup'), database: required(config, 'athenaDatabase'), budgetMs });
}

function incidentIdOf(input: unknown): string | undefined {
  if (typeof input === 'object' && input !== null && 'incidentId' in input && typeof input.incidentId === 'string') return input.incidentId;
  return undefined;
}

/** Dependencies with every client: what the local runner and the tests wire up once for all functions. */
export type AllDeps = Deps<ClientName>;
