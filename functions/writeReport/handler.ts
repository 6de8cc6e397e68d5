import { S3Client } from '@aws-sdk/client-s3';
import { required } from '../shared/config';
import { listKeys, putObject } from '../shared/adapters/s3';
import { bindParameters, listHunts, MAX_MODIFIER_DSTS, parameterValues, readQuery } from '../shared/hunting/pack';
import { reportKeys } from '../shared/domain/layout';
import { buildReport, renderMarkdown, reportSubject, reportSummary, type ReportContext } from '../shared/domain/report';
import { asState, type InvestigationState, type ReportResult } from '../shared/domain/state';
import { renderReportHtml } from '../shared/report/html';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Each hunt's parameters for the capture window, so the report can give Athena commands that rerun it. */
function athenaQueries(state: InvestigationState): ReportContext['athenaQueries'] {
  if (!state.hunts) return undefined;
  const values = parameterValues({
    from: new Date(state.hunts.window.from),
    to: new Date(state.hunts.window.to),
    hosts: state.target.hosts,
    pivotIps: state.request.pivotIps,
    pivotDomains: state.request.pivotDomains,
  });
  // The prevalence modifier is asked about the destinations the hunts found, as runHuntPack asks it.
  const dsts = [...new Set(state.hunts.threats.findings.map((t) => t.dst).filter((d): d is string => !!d))].sort().slice(0, MAX_MODIFIER_DSTS).join(',');
  // An investigation scores in the capture mode: the RITA-exact prelude never ran, so it is not offered.
  return listHunts('capture').map((h) => ({ name: h.name, parameters: bindParameters(readQuery(h.name), { ...values, dsts }) }));
}

/** JSON for machines, Markdown and HTML for people, all under reports/<incident>/; returns the SNS subject and message. */
export const writeReport = (deps: Deps<'s3'>) => {
  const bucket = required(deps.config, 'logBucket');
  return async (input: unknown): Promise<ReportResult> => {
    const state = asState(input);
    const keys = reportKeys(state.incidentId);
    const related = (await listKeys(deps.clients.s3, bucket, keys.relatedPrefix, 100)).map((k) => k.slice(keys.relatedPrefix.length).replace(/\.json$/, ''));
    const report = buildReport(state, related, deps.now(), {
      bucket,
      athenaWorkGroup: deps.config.athenaWorkGroup,
      athenaDatabase: deps.config.athenaDatabase,
      athenaQueries: athenaQueries(state),
      reportKeys: keys,
    });
    await putObject(deps.clients.s3, bucket, keys.json, JSON.stringify(report, null, 2), 'application/json');
    await putObject(deps.clients.s3, bucket, keys.markdown, renderMarkdown(report), 'text/markdown; charset=utf-8');
    // The page is a convenience beside the Markdown: a plot that fails to draw must not cost the
    // incident its report or its notification, so a rendering failure is logged and the page skipped.
    let html: string | undefined;
    try {
      html = await renderReportHtml(report);
    } catch (error) {
      deps.logger.error('HTML report not rendered', { incidentId: state.incidentId, errorName: (error as Error).name, errorMessage: (error as Error).message });
    }
    if (html !== undefined) await putObject(deps.clients.s3, bucket, keys.html, html, 'text/html; charset=utf-8');
    const htmlKey = html !== undefined ? keys.html : undefined;
    deps.logger.info('report written', { incidentId: state.incidentId, outcome: report.outcome, verdict: report.verdict.label, rule: report.verdict.rule });
    return {
      outcome: report.outcome,
      verdict: report.verdict.label,
      jsonKey: keys.json,
      markdownKey: keys.markdown,
      ...(htmlKey ? { htmlKey } : {}),
      subject: reportSubject(report),
      summary: reportSummary(report, `s3://${bucket}/${htmlKey ?? keys.markdown}`),
    };
  };
};

export const handler = lambdaHandler(writeReport, { s3: S3Client });
