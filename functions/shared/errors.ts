/**
 * Named errors are the contract with the state machine: Step Functions matches `Retry` and
 * `Catch` on the thrown error's `name`, so every name here is referenced by
 * `state-machines/investigate.asl.json` or by a caller. Each class spells its `name` as a
 * literal (not `new.target.name`) so minification can never rename the contract; a test loads
 * the packaged bundle and checks.
 */
export class MirrorhuntError extends Error {
  override name: string = 'MirrorhuntError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An event or execution input that does not have the shape we need. Never retried. */
export class InvalidInputError extends MirrorhuntError {
  override name = 'InvalidInputError';
}
/** The instance or network interface named by the input does not exist (or is gone). */
export class TargetNotFoundError extends MirrorhuntError {
  override name = 'TargetNotFoundError';
}
/** The filter needs more rules than a traffic mirror filter may hold. */
export class FilterRuleQuotaError extends MirrorhuntError {
  override name = 'FilterRuleQuotaError';
}
/** The sensor did not become ready within its bounded wait. */
export class SensorNotReadyError extends MirrorhuntError {
  override name = 'SensorNotReadyError';
}
/** The sensor instance ended up stopped or terminated while we waited for it. */
export class SensorFailedError extends MirrorhuntError {
  override name = 'SensorFailedError';
}
/**
 * The sensor's subnet has no route to S3 (no S3 gateway endpoint, no NAT or other default route):
 * the sensor would capture but never report. The message says how to fix it. Never retried.
 */
export class SensorSubnetUnroutableError extends MirrorhuntError {
  override name = 'SensorSubnetUnroutableError';
}
/** AWS refused to create a mirror session (quota, unsupported type, ...); the message says why. */
export class MirrorSessionError extends MirrorhuntError {
  override name = 'MirrorSessionError';
}
/** A call succeeded but its answer lacks what it must carry (the id of what it created). */
export class UnexpectedAwsResponseError extends MirrorhuntError {
  override name = 'UnexpectedAwsResponseError';
}
/** EC2 API throttling (`RequestLimitExceeded`, `Throttling`): safe to retry with backoff. */
export class AwsThrottledError extends MirrorhuntError {
  override name = 'AwsThrottledError';
}
/**
 * The call timed out or AWS failed internally (5xx): the change may or may not have been made.
 * Retried like throttling, which is safe because every create carries a ClientToken (or is
 * reconciled by name and tag) and every delete tolerates NotFound.
 */
export class AwsTransientError extends MirrorhuntError {
  override name = 'AwsTransientError';
}
/** Our role may not do this (`UnauthorizedOperation`, `AccessDenied*`). Not retried. */
export class AwsAccessDeniedError extends MirrorhuntError {
  override name = 'AwsAccessDeniedError';
}
/** Any other AWS error, with the AWS code kept in the message and the original as `cause`. */
export class AwsCallError extends MirrorhuntError {
  override name = 'AwsCallError';
}
/** Teardown could not delete everything yet; retried by the state machine. */
export class TeardownIncompleteError extends MirrorhuntError {
  override name = 'TeardownIncompleteError';
}
/** A hunting query failed or timed out. */
export class HuntFailedError extends MirrorhuntError {
  override name = 'HuntFailedError';
}
/** Configuration from the environment is missing or malformed. */
export class ConfigError extends MirrorhuntError {
  override name = 'ConfigError';
}
/** Concurrent investigations kept overwriting the instance's claim; retried by the state machine. */
export class ClaimConflictError extends MirrorhuntError {
  override name = 'ClaimConflictError';
}

/** The names `isRetryable` accepts: throttling and no-answer failures, where trying again is safe. */
const RETRYABLE = new Set(['AwsThrottledError', 'AwsTransientError']);

/**
 * The one answer to "may this be tried again?", for in-process backoff and the hunt pack alike
 * (the state machine's `Retry` lists the same names). Decided by name, not `instanceof`, so an
 * error from another copy of this module (a second bundle, a test's module registry) counts too.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof Error && RETRYABLE.has(error.name);
}

/** Security Hub accepted the request but refused a finding (FailedFindings names the reason). */
export class SecurityHubImportError extends MirrorhuntError {
  override name = 'SecurityHubImportError';
}
