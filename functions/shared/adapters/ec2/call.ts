import { MirrorhuntError } from '../../errors';
import type { Tag } from '../../tags';
import { awsErrorCode, translateAwsError } from '../aws-errors';

/**
 * How long to wait for an id created moments ago to become visible to the next call. EC2 says
 * a just-created id "might not have propagated throughout the system" and the next call can
 * answer that it does not exist; it recommends retrying with exponential backoff ("Eventual
 * consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). Bounded so a step
 * stays well inside its Lambda timeout: at most 0.5 + 1 + 2 + 4 + 4 = 11.5 s of waiting.
 */
export interface ConsistencyWait {
  attempts: number;
  baseMs: number;
  maxMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const CONSISTENCY_WAIT: ConsistencyWait = { attempts: 6, baseMs: 500, maxMs: 4_000 };

export interface Ec2CallOptions<T> {
  /** AWS codes that mean something here, answered with a value (or a named error) instead of the general translation. */
  on?: Record<string, (error: unknown) => T | Promise<T>>;
  /**
   * NotFound codes for an id this same step created: it exists, EC2 just does not show it
   * everywhere yet. Retried, which is safe because every create carries a ClientToken.
   */
  notYetVisible?: readonly string[];
  consistency?: ConsistencyWait;
}

/**
 * The one place EC2 errors are translated: a code with a meaning for this call (`on`), a
 * just-created id not visible yet (`notYetVisible`, retried), else the shared translation into
 * the names the state machine retries and catches on. A named error thrown inside `fn` passes
 * through as it is.
 */
export async function ec2Call<T>(action: string, fn: () => Promise<T>, options: Ec2CallOptions<T> = {}): Promise<T> {
  const wait = options.consistency ?? CONSISTENCY_WAIT;
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof MirrorhuntError) throw error;
      const code = awsErrorCode(error);
      if (options.notYetVisible?.includes(code) && attempt < wait.attempts) {
        await sleep(Math.min(wait.maxMs, wait.baseMs * 2 ** (attempt - 1)));
        continue;
      }
      const answer = options.on?.[code];
      if (answer) return await answer(error);
      throw translateAwsError(error, action);
    }
  }
}

export type DeleteOutcome = 'deleted' | 'already-gone' | 'terminating' | 'in-use';

/** Deletes are idempotent: a resource that is already gone is the outcome we wanted. */
export function ec2Delete(action: string, codes: { notFound: string[]; inUse?: string[] }, fn: () => Promise<unknown>): Promise<DeleteOutcome> {
  const on: Record<string, () => DeleteOutcome> = {};
  for (const code of codes.notFound) on[code] = () => 'already-gone';
  for (const code of codes.inUse ?? []) on[code] = () => 'in-use';
  return ec2Call(
    action,
    async (): Promise<DeleteOutcome> => {
      await fn();
      return 'deleted';
    },
    { on },
  );
}

export function tagSpec(resourceType: string, tags: Tag[]) {
  return [{ ResourceType: resourceType as never, Tags: tags }];
}

export function tagMap(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
