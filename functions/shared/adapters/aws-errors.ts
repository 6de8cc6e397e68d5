import { AwsAccessDeniedError, AwsCallError, AwsThrottledError, AwsTransientError } from '../errors';

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown', 'RequestThrottled']);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable', 'Unavailable', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const DENIED = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'UnauthorizedAccess']);

export function awsErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') return error.name;
  return 'UnknownError';
}

export function isAwsError(error: unknown, ...codes: string[]): boolean {
  return codes.includes(awsErrorCode(error));
}

/**
 * SDK errors are translated here, at the adapter, because the state machine retries and catches
 * on error names: throttling must surface as one retryable name whatever the service called it,
 * and access denial as one that is never retried. The AWS code stays in the message.
 */
export function translateAwsError(error: unknown, action: string): Error {
  const code = awsErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (THROTTLING.has(code)) return new AwsThrottledError(`${action}: AWS throttled the call (${code})`, { cause: error });
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return new AwsTransientError(`${action}: no answer from AWS (${code}); the call may have taken effect`, { cause: error });
  if (DENIED.has(code)) return new AwsAccessDeniedError(`${action}: not authorised (${code}): ${message}`, { cause: error });
  return new AwsCallError(`${action} failed with ${code}: ${message}`, { cause: error });
}
