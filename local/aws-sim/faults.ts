import { seededRandom } from '../seeded-random';

/**
 * Failures injected into the simulated account's API, one rule at a time, so tests can prove what
 * the product does when AWS says no. A rule matches by service, operation and/or the global call
 * index (the n-th SDK call made against the account, counting from 0), fires `times` times
 * (default once), and fails the call either before it takes effect or after (`when: 'after'`: the
 * change is made but the caller sees an error, as when a response is lost to a timeout).
 */
export type FaultKind = 'throttle' | 'denied' | 'not-found' | 'timeout' | 'server-error';

export interface FaultRule {
  service?: string;
  operation?: string;
  callIndex?: number;
  /** An AWS error code to answer with, or a kind that maps to the service's own code. */
  code?: string;
  kind?: FaultKind;
  times?: number;
  when?: 'before' | 'after';
  /** Fire on this fraction of matching calls (0..1), drawn from a seeded generator. */
  rate?: number;
  message?: string;
}

export interface FiredFault {
  code: string;
  when: 'before' | 'after';
  message: string;
  httpStatus: number;
  fault: 'client' | 'server';
}

const KIND_CODES: Record<FaultKind, Record<string, string> & { default: string }> = {
  throttle: { default: 'ThrottlingException', ec2: 'RequestLimitExceeded', s3: 'SlowDown', sns: 'ThrottledException' },
  denied: { default: 'AccessDeniedException', ec2: 'UnauthorizedOperation', s3: 'AccessDenied', sns: 'AuthorizationErrorException' },
  'not-found': { default: 'ResourceNotFoundException', ec2: 'InvalidParameterValue', s3: 'NoSuchBucket', ssm: 'ParameterNotFound', sns: 'NotFoundException' },
  timeout: { default: 'TimeoutError' },
  'server-error': { default: 'InternalFailure', ec2: 'InternalError', s3: 'InternalError', sns: 'InternalErrorException', ssm: 'InternalServerError' },
};

const STATUS: Record<string, number> = {
  RequestLimitExceeded: 503,
  SlowDown: 503,
  ThrottlingException: 400,
  Throttling: 400,
  ThrottledException: 400,
  NotFoundException: 404,
  AuthorizationErrorException: 403,
  TimeoutError: 0,
  InternalError: 500,
  InternalErrorException: 500,
  InternalFailure: 500,
  InternalServerError: 500,
  NoSuchBucket: 404,
  NotFound: 404,
  AccessDenied: 403,
  UnauthorizedOperation: 403,
  AuthorizationError: 403,
};

/** Maps a fault kind to the code the given service really uses for it. */
export function codeFor(kind: FaultKind, service: string): string {
  const codes = KIND_CODES[kind];
  return codes[service] ?? codes.default;
}

export class FaultInjector {
  private rules: Array<FaultRule & { remaining: number }> = [];
  /** Seeded, so a run with a fault rate is repeatable. */
  private readonly random = seededRandom(0x9e3779b9);

  inject(rule: FaultRule): void {
    if (!rule.code && !rule.kind) throw new Error('a fault needs a code or a kind');
    if (rule.rate !== undefined && !(rule.rate > 0 && rule.rate <= 1)) throw new Error('a fault rate is a fraction in (0, 1]');
    this.rules.push({ ...rule, remaining: rule.times ?? (rule.rate !== undefined ? Number.POSITIVE_INFINITY : 1) });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault, if any, this call must suffer; consumes one firing of the rule. */
  check(call: { service: string; operation: string; index: number }): FiredFault | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.service && rule.service !== call.service) continue;
      if (rule.operation && rule.operation !== call.operation) continue;
      if (rule.callIndex !== undefined && rule.callIndex !== call.index) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      rule.remaining -= 1;
      const code = rule.code ?? codeFor(rule.kind as FaultKind, call.service);
      const httpStatus = STATUS[code] ?? 400;
      return {
        code,
        when: rule.when ?? 'before',
        httpStatus,
        fault: httpStatus >= 500 || code === 'TimeoutError' ? 'server' : 'client',
        message: rule.message ?? `injected fault: ${code} on ${call.service}:${call.operation} (call #${call.index})`,
      };
    }
    return undefined;
  }
}
