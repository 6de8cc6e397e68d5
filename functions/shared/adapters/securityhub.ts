import { BatchImportFindingsCommand, type AwsSecurityFinding, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubImportError } from '../errors';
import { translateAwsError } from './aws-errors';

/**
 * BatchImportFindings answers 200 even when it refuses findings: the refusals come back in
 * `FailedFindings` (botocore securityhub 2018-10-26, BatchImportFindingsResponse), so a
 * non-zero `FailedCount` is turned into an error here or it would pass silently.
 */
export async function importFindings(client: SecurityHubClient, findings: Array<Record<string, unknown>>): Promise<number> {
  let out;
  try {
    out = await client.send(new BatchImportFindingsCommand({ Findings: findings as unknown as AwsSecurityFinding[] }));
  } catch (error) {
    throw translateAwsError(error, 'BatchImportFindings');
  }
  if ((out.FailedCount ?? 0) > 0) {
    const why = (out.FailedFindings ?? []).map((f) => `${f.Id}: ${f.ErrorCode} ${f.ErrorMessage}`).join('; ');
    throw new SecurityHubImportError(`Security Hub refused ${out.FailedCount} finding(s): ${why}`);
  }
  return out.SuccessCount ?? 0;
}
