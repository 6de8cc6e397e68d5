import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import * as z from 'zod';
import { required } from '../shared/config';
import { getObjectText, listKeys } from '../shared/adapters/s3';
import { importFindings } from '../shared/adapters/securityhub';
import { reportKeys } from '../shared/domain/layout';
import { parseExecutionArn, type InvestigationReport } from '../shared/domain/report';
import { s3ConsoleObjectUrl, unreportedFinding, verdictFinding } from '../shared/domain/security-hub';
import { parseOrThrow } from '../shared/domain/validation';
import { lambdaHandler, type Deps } from '../shared/runtime';

/**
 * EventBridge "Step Functions Execution Status Change" for the investigate machine:
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html (detail: executionArn,
 * stateMachineArn, name, status, input as a JSON string, or null when too large).
 */
const statusChangeSchema = z
  .object({
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z
      .object({
        executionArn: z.string().max(2048),
        name: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
        status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
        input: z.string().nullable().optional(),
      })
      .loose(),
  })
  .loose();

export type SecurityHubOutcome = { outcome: 'imported'; findingId: string; verdict: string } | { outcome: 'skipped'; reason: string };

/** Sends the investigation's verdict to Security Hub when its execution ends. */
export const reportToSecurityHub = (deps: Deps<'s3'>, securityHub: SecurityHubClient) => {
  const bucket = required(deps.config, 'logBucket');
  return async (event: unknown): Promise<SecurityHubOutcome> => {
    const { detail } = parseOrThrow(statusChangeSchema, event, 'Step Functions status change event');
    if (detail.status === 'RUNNING' || detail.status === 'PENDING_REDRIVE') return { outcome: 'skipped', reason: `execution is ${detail.status}` };
    const arn = parseExecutionArn(detail.executionArn);
    if (!arn) return { outcome: 'skipped', reason: `not an execution ARN: ${detail.executionArn}` };
    const keys = reportKeys(detail.name);
    // Listed first: the role may list only under reports/ (s3:prefix), which a GetObject of a
    // missing key does not carry, so that GetObject would answer 403 rather than 404.
    const written = (await listKeys(deps.clients.s3, bucket, keys.json, 1)).includes(keys.json);
    const text = written ? await getObjectText(deps.clients.s3, bucket, keys.json) : undefined;
    const ctx = { partition: arn.partition, region: arn.region, accountId: arn.account, now: deps.now(), reportUrl: s3ConsoleObjectUrl(bucket, keys.html, arn.region), reportJsonUri: `s3://${bucket}/${keys.json}` };
    let finding: Record<string, unknown> | undefined;
    if (text !== undefined) {
      const report = JSON.parse(text) as InvestigationReport;
      // The investigation that holds the instance reports for both; a second finding would say nothing new.
      if (report.outcome === 'already-under-investigation') return { outcome: 'skipped', reason: report.outcomeReason };
      finding = verdictFinding(report, ctx);
    } else {
      finding = unreportedFinding({ incidentId: detail.name, status: detail.status, input: detail.input ?? undefined }, ctx);
      if (!finding) return { outcome: 'skipped', reason: `execution ${detail.name} ended ${detail.status} with no report and no instance in its input` };
    }
    await importFindings(securityHub, [finding]);
    deps.logger.info('verdict sent to Security Hub', { incidentId: detail.name, findingId: finding.Id, verdict: (finding.ProductFields as Record<string, string>)['mirrorhunt/verdict'] });
    return { outcome: 'imported', findingId: String(finding.Id), verdict: (finding.ProductFields as Record<string, string>)['mirrorhunt/verdict'] as string };
  };
};

export const handler = lambdaHandler((deps: Deps<'s3'>) => reportToSecurityHub(deps, new SecurityHubClient({})), { s3: S3Client });
