/**
 * Named errors are the contract with the state machine: Step Functions matches `Retry` and
 * `Catch` on the thrown error's `name`, so every name here is referenced by
 * `state-machines/investigate.asl.json` or by a caller. Keep `name` equal to the class name.
 */
export class MirrorhuntError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An event or execution input that does not have the shape we need. Never retried. */
export class InvalidInputError extends MirrorhuntError {}
/** The instance or network interface named by the input does not exist (or is gone). */
export class TargetNotFoundError extends MirrorhuntError {}
/** The filter needs more rules than a traffic mirror filter may hold. */
export class FilterRuleQuotaError extends MirrorhuntError {}
/** The sensor did not become ready within its bounded wait. */
export class SensorNotReadyError extends MirrorhuntError {}
/** The sensor instance ended up stopped or terminated while we waited for it. */
export class SensorFailedError extends MirrorhuntError {}
/** AWS refused to create a mirror session (quota, unsupported type, ...); the message says why. */
export class MirrorSessionError extends MirrorhuntError {}
/** EC2 API throttling (`RequestLimitExceeded`, `Throttling`): safe to retry with backoff. */
export class AwsThrottledError extends MirrorhuntError {}
/**
 * The call timed out or AWS failed internally (5xx): the change may or may not have been made.
 * Retried like throttling, which is safe because every create carries a ClientToken (or is
 * reconciled by name and tag) and every delete tolerates NotFound.
 */
export class AwsTransientError extends MirrorhuntError {}
/** Our role may not do this (`UnauthorizedOperation`, `AccessDenied*`). Not retried. */
export class AwsAccessDeniedError extends MirrorhuntError {}
/** Any other AWS error, with the AWS code kept in the message and the original as `cause`. */
export class AwsCallError extends MirrorhuntError {}
/** Teardown could not delete everything yet; retried by the state machine. */
export class TeardownIncompleteError extends MirrorhuntError {}
/** A hunting query failed or timed out. */
export class HuntFailedError extends MirrorhuntError {}
/** Configuration from the environment is missing or malformed. */
export class ConfigError extends MirrorhuntError {}
/** Concurrent investigations kept overwriting the instance's claim; retried by the state machine. */
export class ClaimConflictError extends MirrorhuntError {}

/** Security Hub accepted the request but refused a finding (FailedFindings names the reason). */
export class SecurityHubImportError extends MirrorhuntError {}
