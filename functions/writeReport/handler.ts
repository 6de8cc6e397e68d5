import { S3Client } from '@aws-sdk/client-s3';
import { required } from '../shared/config';
import { listKeys, putObject } from '../shared/adapters/s3';
import { reportKeys } from '../shared/domain/layout';
import { buildReport, renderMarkdown, reportSubject, reportSummary } from '../shared/domain/report';
import { asState, type ReportResult } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** JSON for machines, Markdown for people, both under reports/<incident>/; returns the SNS summary. */
export const writeReport = (deps: Deps<'s3'>) => {
  const bucket = required(deps.config, 'logBucket');
  return async (input: unknown): Promise<ReportResult> => {
    const state = asState(input);
    const keys = reportKeys(state.incidentId);
    const related = (await listKeys(deps.clients.s3, bucket, keys.relatedPrefix, 100)).map((k) => k.slice(keys.relatedPrefix.length).replace(/\.json$/, ''));
    const report = buildReport(state, related, deps.now());
    await putObject(deps.clients.s3, bucket, keys.json, JSON.stringify(report, null, 2), 'application/json');
    await putObject(deps.clients.s3, bucket, keys.markdown, renderMarkdown(report), 'text/markdown; charset=utf-8');
    return {
      outcome: report.outcome,
      jsonKey: keys.json,
      markdownKey: keys.markdown,
      subject: reportSubject(report),
      summary: reportSummary(report, `s3://${bucket}/${keys.markdown}`),
    };
  };
};

export const handler = lambdaHandler(writeReport, { s3: S3Client });
