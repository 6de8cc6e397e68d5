import { isRetryable } from '../errors';

export interface BackoffOptions {
  retries: number;
  baseMs: number;
  maxMs: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries EC2 throttling with exponential backoff and full jitter (each wait is uniform in
 * [0, min(max, base * 2^attempt)]), so a burst of launches spreads out instead of retrying in
 * lock-step. Only throttling and transient failures (timeouts, 5xx) are retried: anything else
 * is a real answer. Retrying a transient failure is safe because creates carry a ClientToken.
 */
export async function withBackoff<T>(fn: () => Promise<T>, options: BackoffOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt >= options.retries) throw error;
      await sleep(Math.floor(random() * Math.min(options.maxMs, options.baseMs * 2 ** attempt)));
    }
  }
}
