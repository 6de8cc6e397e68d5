import { SecurityHubClient, SecurityHubServiceException } from '@aws-sdk/client-securityhub';
import type { ExceptionClass, RegisteredService, SimulatedAccount } from './account';
import type { AuthCheck } from './ec2/operation';
import { fail } from './support';

type Input = Record<string, unknown>;

/**
 * Security Hub, the part mirrorhunt calls: BatchImportFindings, with the rules AWS states for it.
 * A simulation, not Security Hub.
 *
 * - 1..100 findings per call (botocore securityhub 2018-10-26, BatchImportFindingsRequestFindingList).
 * - Each finding needs SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt,
 *   UpdatedAt, Title, Description, Resources (shape AwsSecurityFinding), Title <= 256 and
 *   Description <= 1024 characters, at most 240 KB
 *   (https://docs.aws.amazon.com/cli/latest/reference/securityhub/batch-import-findings.html).
 * - With the default product ARN (`arn:aws:securityhub:<region>:<account>:product/<account>/default`)
 *   the caller's account must be the finding's AwsAccountId (same page).
 * - A refused finding is reported in FailedFindings and the call still answers 200; a repeated Id
 *   updates the finding (guidelines-asff-mapping.html: "To update a finding, resubmit the finding
 *   with the same identifier").
 * - An account without Security Hub enabled answers InvalidAccessException. Our choice of code:
 *   the API reference lists it among BatchImportFindings' errors; the message wording is ours.
 */
export class SimulatedSecurityHub implements RegisteredService {
  readonly exception = SecurityHubServiceException as unknown as ExceptionClass;
  /** Security Hub refuses an IAM-denied call with AccessDeniedException, HTTP 403 (API reference, Common Errors). */
  readonly denied = { code: 'AccessDeniedException', httpStatus: 403 };
  /** Imported findings by ProductArn + Id, as Security Hub indexes them. */
  private readonly findings = new Map<string, Record<string, unknown>>();
  enabled = true;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** BatchImportFindings acts on the product resource type (Service Authorization Reference for Security Hub). */
  authorization(operation: string, input: Input): AuthCheck[] {
    if (operation !== 'BatchImportFindings') return [];
    const products = [...new Set(((input.Findings as Input[] | undefined) ?? []).map((f) => String(f.ProductArn ?? '')))];
    return [{ action: 'securityhub:BatchImportFindings', resources: products.map((arn) => ({ type: 'product', arn })) }];
  }

  imported(): Array<Record<string, unknown>> {
    return [...this.findings.values()];
  }

  handle(operation: string, input: Input): Record<string, unknown> {
    if (operation !== 'BatchImportFindings') return fail('InvalidAction', `the local Security Hub simulation does not implement ${operation}`);
    if (!this.enabled) return fail('InvalidAccessException', `Account ${this.accountId} is not subscribed to AWS Security Hub`, 401);
    const list = input.Findings;
    if (!Array.isArray(list) || list.length < 1 || list.length > 100) return fail('InvalidInputException', 'Findings must hold 1 to 100 findings');
    const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
    let success = 0;
    for (const raw of list as Array<Record<string, unknown>>) {
      const problem = this.check(raw);
      if (problem) {
        failed.push({ Id: String(raw.Id ?? '?'), ErrorCode: 'InvalidInput', ErrorMessage: problem });
        continue;
      }
      this.findings.set(`${raw.ProductArn as string}|${raw.Id as string}`, structuredClone(raw));
      success += 1;
    }
    return { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed };
  }

  private check(f: Record<string, unknown>): string | undefined {
    const required = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description', 'Resources'];
    const missing = required.filter((k) => f[k] === undefined || f[k] === '');
    if (missing.length > 0) return `missing required field(s): ${missing.join(', ')}`;
    if (String(f.Title).length > 256) return 'Title is longer than 256 characters';
    if (String(f.Description).length > 1024) return 'Description is longer than 1024 characters';
    if (Buffer.byteLength(JSON.stringify(f)) > 240 * 1024) return 'finding is larger than 240 KB';
    if (!Array.isArray(f.Resources) || f.Resources.length === 0 || f.Resources.some((r) => !(r as Input).Type || !(r as Input).Id)) return 'Resources needs at least one resource with Type and Id';
    const defaultProduct = `arn:aws:securityhub:${this.region}:${this.accountId}:product/${this.accountId}/default`;
    if (f.ProductArn !== defaultProduct) return `ProductArn ${String(f.ProductArn)} is not this account's default product (${defaultProduct})`;
    if (f.AwsAccountId !== this.accountId) return `AwsAccountId ${String(f.AwsAccountId)} is not the calling account ${this.accountId}`;
    for (const k of ['CreatedAt', 'UpdatedAt']) if (Number.isNaN(Date.parse(String(f[k])))) return `${k} is not an ISO 8601 time`;
    return undefined;
  }
}

/**
 * Registers Security Hub with a simulated account (its `registerService` hook) and returns the
 * simulation and a client answered by it, as `principal` (a function key) when IAM is in the loop.
 */
export function useSecurityHub(account: SimulatedAccount): { hub: SimulatedSecurityHub; client: (principal?: string) => SecurityHubClient } {
  const hub = new SimulatedSecurityHub(account.region, account.accountId);
  account.registerService('securityhub', hub);
  const clients = new Map<string, SecurityHubClient>();
  const client = (principal?: string): SecurityHubClient => {
    const key = principal ?? '';
    let c = clients.get(key);
    if (!c) {
      c = account.client(new SecurityHubClient({ region: account.region, credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' }, maxAttempts: 1 }), 'securityhub', principal);
      clients.set(key, c);
    }
    return c;
  };
  return { hub, client };
}
