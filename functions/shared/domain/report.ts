import type { SqlParam } from '../hunting/engine';
import type { Threat, ThreatList } from '../hunting/threat-list';
import { nextSteps, type NextStep } from './next-steps';
import { SENSOR_LOG_PREFIX } from './layout';
import type { InvestigationState, Outcome } from './state';
import { decideVerdict, type Verdict } from './verdict';

/** report.json's shape version: 2 added the verdict, next steps, links, the threat list and the timeline. */
export const REPORT_SCHEMA_VERSION = 2;

export interface ResourceRow {
  type: string;
  id: string;
  /** What became of it, from the step that acted on it: deleted, already-gone, terminating, LEFT BEHIND, not recorded. */
  fate: string;
  /** Which step, or why it is left. */
  detail?: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface ReportLinks {
  /** The sensor's Zeek logs for the capture window (the bucket holds every sensor's logs; the file names start with the sensor id). */
  zeekLogs?: { s3Uri: string; consoleUrl: string; partitions: string[]; downloadCommand: string; huntCommand: string };
  athena?: { consoleUrl: string; workGroup: string; database: string; queries: Array<{ name: string; command: string }> };
  execution?: { consoleUrl: string };
  /** Where this report lives. */
  report?: { json: string; markdown: string; html: string };
}

export interface HuntRow {
  name: string;
  title: string;
  findingCount: number;
  rowsReturned?: number;
  elapsedMs: number;
  bytesScanned?: number;
  error?: string;
  limitReached?: number;
}

export interface InvestigationReport {
  schemaVersion: number;
  incidentId: string;
  executionArn: string;
  outcome: Outcome;
  outcomeReason: string;
  generatedAt: string;
  verdict: Verdict;
  nextSteps: NextStep[];
  links: ReportLinks;
  request: {
    source: string;
    reason: string;
    captureMinutes: number;
    finding?: { id: string; type: string; severity: number; title: string; arn?: string };
    pivots: { ips: string[]; domains: string[] };
  };
  target: {
    instanceId: string;
    instanceType: string;
    vpcId: string;
    subnetId?: string;
    vpcCidrs: string[];
    /** The instance's addresses; `hunted` says whether the hunts ran over them. */
    hosts: string[];
    hunted: boolean;
    mirrored: Array<{ networkInterfaceId: string; sessionNumber: number; warnings: string[] }>;
    skipped: Array<{ networkInterfaceId: string; reason: string; detail: string }>;
  };
  capture?: { from: string; to: string; minutes: number; vni: number; sensorInstanceId?: string };
  /** The ranked threat list, the same document `mirrorhunt hunt --format json` prints. */
  threats?: ThreatList;
  hunts: HuntRow[];
  huntEngine?: string;
  bytesScanned?: number;
  /** Evidence or lower-ranked findings were shortened to fit the execution state. */
  huntsTruncated?: boolean;
  relatedFindings: string[];
  resources: ResourceRow[];
  timeline: TimelineEntry[];
  error?: { name: string; cause?: string };
}

/** What the report links to, known to writeReport's configuration rather than to the state. */
export interface ReportContext {
  bucket?: string;
  region?: string;
  athenaWorkGroup?: string;
  athenaDatabase?: string;
  /** The hunts' parameters for the window, in each query's `?` order, for copyable Athena commands. */
  athenaQueries?: Array<{ name: string; parameters: SqlParam[] }>;
  reportKeys?: { json: string; markdown: string; html: string };
}

export function outcomeOf(state: InvestigationState): { outcome: Outcome; reason: string } {
  if (state.error || state.teardownError) {
    const err = state.error ?? state.teardownError;
    return { outcome: 'failed', reason: `${err?.Error}: ${shortCause(err?.Cause)}` };
  }
  if (!state.target.mirrorable) return { outcome: 'not-mirrorable', reason: state.target.reason ?? 'nothing could be mirrored' };
  if (state.claim && !state.claim.claimed) {
    return { outcome: 'already-under-investigation', reason: `instance ${state.target.instanceId} is already being investigated by ${state.claim.heldBy}; this request was recorded there` };
  }
  return { outcome: 'completed', reason: 'captured, hunted and torn down' };
}

/** Lambda error causes arrive as JSON ({errorMessage, ...}); the message is what a person needs. */
function shortCause(cause: string | undefined): string {
  if (!cause) return 'no detail';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // Not JSON: use it as it is.
  }
  return cause.slice(0, 1000);
}

/** `arn:aws:states:<region>:<account>:execution:<machine>:<name>` → its parts; undefined for anything else. */
export function parseExecutionArn(arn: string): { partition: string; region: string; account: string; stateMachineArn: string } | undefined {
  const m = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]+):[A-Za-z0-9_-]+$/.exec(arn);
  if (!m) return undefined;
  const [, partition, region, account, machine] = m as unknown as [string, string, string, string, string];
  return { partition, region, account, stateMachineArn: `arn:${partition}:states:${region}:${account}:stateMachine:${machine}` };
}

/**
 * Each resource the investigation created and what became of it, from the step that acted on it.
 * Mirror sessions are deleted by Stop Mirroring (its `deletedSessionIds`) before Tear Down runs,
 * so their fate comes from there; the rest from Tear Down's record.
 */
export function resourceFates(state: InvestigationState): ResourceRow[] {
  const created: Array<{ type: string; id: string }> = [];
  if (state.sensor) {
    created.push({ type: 'security-group', id: state.sensor.securityGroupId });
    created.push({ type: 'sensor-instance', id: state.sensor.instanceId });
  }
  if (state.mirror) {
    created.push({ type: 'mirror-target', id: state.mirror.targetId });
    created.push({ type: 'mirror-filter', id: state.mirror.filterId });
    for (const s of state.mirror.sessions) created.push({ type: 'mirror-session', id: s.sessionId });
  }
  const stopped = new Set(state.mirrorStop?.deletedSessionIds ?? []);
  const rows = created.map((c): ResourceRow => {
    const remaining = state.teardown?.remaining.find((r) => r.id === c.id);
    if (remaining) return { ...c, fate: 'LEFT BEHIND', detail: remaining.why };
    if (c.type === 'mirror-session' && stopped.has(c.id)) return { ...c, fate: 'deleted', detail: 'Stop Mirroring' };
    const deleted = state.teardown?.deleted.find((d) => d.id === c.id);
    if (deleted) return { ...c, fate: deleted.outcome, detail: 'Tear Down' };
    return { ...c, fate: 'not recorded' };
  });
  // Anything Tear Down found by tag that the state did not list (an earlier attempt's leftovers).
  for (const r of state.teardown?.remaining ?? []) if (!rows.some((x) => x.id === r.id)) rows.push({ type: r.type, id: r.id, fate: 'LEFT BEHIND', detail: r.why });
  for (const d of state.teardown?.deleted ?? []) if (!rows.some((x) => x.id === d.id) && d.type !== 'claim') rows.push({ type: d.type, id: d.id, fate: d.outcome, detail: 'Tear Down (found by tag)' });
  return rows;
}

/** What happened, in the order it happened (ties keep the order of the steps). */
export function timelineOf(state: InvestigationState, generatedAt: Date): TimelineEntry[] {
  const entries: Array<TimelineEntry | undefined> = [
    { at: state.startedAt, event: 'execution started', detail: state.request.reason },
    state.sensor ? { at: state.sensor.launchedAt, event: 'sensor launched', detail: `${state.sensor.instanceId} (${state.sensor.instanceType})` } : undefined,
    state.sensorStatus?.ready ? { at: state.sensorStatus.checkedAt, event: 'sensor ready', detail: `after ${state.sensorStatus.attempts} check(s)` } : undefined,
    state.mirror ? { at: state.mirror.startedAt, event: 'mirroring started', detail: `${state.mirror.sessions.length} session(s), VNI ${state.mirror.vni}` } : undefined,
    state.mirrorStop ? { at: state.mirrorStop.stoppedAt, event: 'mirroring stopped', detail: `deleted ${state.mirrorStop.deletedSessionIds.length} session(s)` } : undefined,
    state.teardown?.completedAt
      ? { at: state.teardown.completedAt, event: 'teardown completed', detail: `${state.teardown.deleted.length} resource(s) removed, ${state.teardown.remaining.length} left, ${state.teardown.attempts} pass(es)` }
      : undefined,
    state.hunts ? { at: state.hunts.startedAt, event: 'hunts started', detail: `${state.hunts.engine}, window ${state.hunts.window.from} to ${state.hunts.window.to}` } : undefined,
    state.hunts ? { at: state.hunts.finishedAt, event: 'hunts finished', detail: `${state.hunts.threats?.findings.length ?? 0} threat(s) ranked` } : undefined,
    { at: generatedAt.toISOString(), event: 'report written' },
  ];
  return entries
    .filter((e): e is TimelineEntry => e !== undefined && !Number.isNaN(Date.parse(e.at)))
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
    .map(({ e }) => e);
}

const hourKey = (d: Date): string => `dt=${d.toISOString().slice(0, 10)}/hour=${String(d.getUTCHours()).padStart(2, '0')}`;

/** The hour partitions a capture's logs land in: from its first hour to the hour after it ends (files close after their records). */
export function capturePartitions(from: Date, to: Date): string[] {
  const out: string[] = [];
  const end = to.getTime() + 60 * 60 * 1000;
  for (let t = Math.floor(from.getTime() / 3_600_000) * 3_600_000; t <= end && out.length < 48; t += 3_600_000) out.push(hourKey(new Date(t)));
  return out;
}

/** A shell word: single-quoted, with any single quote closed, escaped and reopened. */
export const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Athena takes string parameters as SQL literals (see adapters/athena.ts toAthenaLiteral). */
const athenaLiteral = (v: SqlParam): string => (typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);

/**
 * Console URLs follow the consoles' current address formats (S3 bucket browser with `prefix`,
 * Athena query editor, Step Functions v2 execution details); AWS does not document these as an
 * API, so the report also gives the CLI commands, which are.
 */
function linksOf(state: InvestigationState, ctx: ReportContext, region: string): ReportLinks {
  const links: ReportLinks = {};
  const sensor = state.sensor?.instanceId;
  if (ctx.bucket && state.mirror && state.mirrorStop && sensor) {
    const parts = capturePartitions(new Date(state.mirror.startedAt), new Date(state.mirrorStop.stoppedAt));
    const folder = `./${state.incidentId}-zeek`;
    links.zeekLogs = {
      s3Uri: `s3://${ctx.bucket}/${SENSOR_LOG_PREFIX}`,
      consoleUrl: `https://s3.console.aws.amazon.com/s3/buckets/${ctx.bucket}?region=${region}&prefix=${encodeURIComponent(`${SENSOR_LOG_PREFIX}conn/${parts[0] ?? ''}/`)}`,
      partitions: parts.map((p) => `${SENSOR_LOG_PREFIX}<log>/${p}/${sensor}-*`),
      // --exclude/--include filters apply in order, the last match wins:
      // https://docs.aws.amazon.com/cli/latest/reference/s3/#use-of-exclude-and-include-filters
      downloadCommand: `aws s3 cp --region ${region} s3://${ctx.bucket}/${SENSOR_LOG_PREFIX} ${folder} --recursive --exclude '*' ${parts.map((p) => `--include '*/${p}/${sensor}-*'`).join(' ')}`,
      huntCommand: `npx mirrorhunt hunt ${folder} --from ${state.mirror.startedAt} --to ${state.mirrorStop.stoppedAt} --format html > ${state.incidentId}.html`,
    };
  }
  if (ctx.athenaWorkGroup && ctx.athenaDatabase && state.hunts) {
    const wanted = new Set<string>();
    for (const t of state.hunts.threats?.findings.slice(0, 5) ?? []) for (const h of t.hunts) wanted.add(h);
    for (const q of ctx.athenaQueries ?? []) if (q.name.startsWith('pivot-')) wanted.add(q.name);
    links.athena = {
      consoleUrl: `https://${region}.console.aws.amazon.com/athena/home?region=${region}#/query-editor`,
      workGroup: ctx.athenaWorkGroup,
      database: ctx.athenaDatabase,
      // https://docs.aws.amazon.com/cli/latest/reference/athena/start-query-execution.html
      queries: (ctx.athenaQueries ?? [])
        .filter((q) => wanted.size === 0 || wanted.has(q.name))
        .slice(0, 8)
        .map((q) => ({
          name: q.name,
          command: `aws athena start-query-execution --region ${region} --work-group ${shellWord(ctx.athenaWorkGroup as string)} --query-execution-context Database=${shellWord(ctx.athenaDatabase as string)} --query-string file://queries/${q.name}.sql${q.parameters.length > 0 ? ` --execution-parameters ${q.parameters.map((p) => shellWord(athenaLiteral(p))).join(' ')}` : ''}`,
        })),
    };
  }
  if (parseExecutionArn(state.executionArn)) {
    links.execution = { consoleUrl: `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${state.executionArn}` };
  }
  if (ctx.bucket && ctx.reportKeys) {
    links.report = { json: `s3://${ctx.bucket}/${ctx.reportKeys.json}`, markdown: `s3://${ctx.bucket}/${ctx.reportKeys.markdown}`, html: `s3://${ctx.bucket}/${ctx.reportKeys.html}` };
  }
  return links;
}

export function buildReport(state: InvestigationState, relatedFindings: string[], generatedAt: Date, ctx: ReportContext = {}): InvestigationReport {
  const { outcome, reason } = outcomeOf(state);
  const arn = parseExecutionArn(state.executionArn);
  const region = arn?.region ?? ctx.region ?? 'us-east-1';
  const finding = state.request.finding;
  const pivots = { ips: state.request.pivotIps, domains: state.request.pivotDomains };
  const captureMinutes = state.mirror && state.mirrorStop ? Math.round((Date.parse(state.mirrorStop.stoppedAt) - Date.parse(state.mirror.startedAt)) / 60000) : undefined;
  const hunts: HuntRow[] = (state.hunts?.outcomes ?? []).map((h) => ({
    name: h.name,
    title: h.title,
    findingCount: h.findingCount,
    rowsReturned: h.rowsReturned,
    elapsedMs: h.elapsedMs,
    ...(h.bytesScanned !== undefined ? { bytesScanned: h.bytesScanned } : {}),
    ...(h.error !== undefined ? { error: h.error } : {}),
    ...(h.limitReached !== undefined ? { limitReached: h.limitReached } : {}),
  }));
  const verdict = decideVerdict({
    outcome,
    outcomeReason: reason,
    pivots,
    threats: state.hunts?.threats,
    failedHunts: hunts.filter((h) => h.error).map((h) => h.name),
    captureMinutes,
  });
  const hunted = outcome === 'completed' && state.hunts !== undefined;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    incidentId: state.incidentId,
    executionArn: state.executionArn,
    outcome,
    outcomeReason: reason,
    generatedAt: generatedAt.toISOString(),
    verdict,
    nextSteps:
      outcome === 'already-under-investigation'
        ? []
        : nextSteps({
            verdict: verdict.label,
            incidentId: state.incidentId,
            region,
            instanceId: state.target.instanceId,
            vpcId: state.target.vpcId,
            subnetId: state.target.subnetId,
            networkInterfaceIds: [...state.target.enis.map((e) => e.networkInterfaceId), ...state.target.skipped.map((s) => s.networkInterfaceId)],
            peerIps: pivots.ips,
            peerDomains: pivots.domains,
            captureMinutes: state.request.captureMinutes,
            stateMachineArn: arn?.stateMachineArn,
            mirrorable: state.target.mirrorable,
          }),
    links: linksOf(state, ctx, region),
    request: {
      source: state.request.source,
      reason: state.request.reason,
      captureMinutes: state.request.captureMinutes,
      finding: finding ? { id: finding.id, type: finding.type, severity: finding.severity, title: finding.title, ...(finding.arn ? { arn: finding.arn } : {}) } : undefined,
      pivots,
    },
    target: {
      instanceId: state.target.instanceId,
      instanceType: state.target.instanceType,
      vpcId: state.target.vpcId,
      subnetId: state.target.subnetId,
      vpcCidrs: [...state.target.cidrs.ipv4, ...state.target.cidrs.ipv6],
      hosts: state.target.hosts,
      hunted,
      mirrored: state.target.enis.map((e) => ({ networkInterfaceId: e.networkInterfaceId, sessionNumber: e.sessionNumber, warnings: e.warnings })),
      skipped: state.target.skipped,
    },
    capture:
      state.mirror && state.mirrorStop
        ? { from: state.mirror.startedAt, to: state.mirrorStop.stoppedAt, minutes: captureMinutes ?? 0, vni: state.mirror.vni, sensorInstanceId: state.sensor?.instanceId }
        : undefined,
    ...(state.hunts?.threats ? { threats: state.hunts.threats } : {}),
    hunts,
    huntEngine: state.hunts?.engine,
    bytesScanned: state.hunts?.bytesScanned,
    ...(state.hunts?.truncated ? { huntsTruncated: true } : {}),
    relatedFindings,
    resources: resourceFates(state),
    timeline: timelineOf(state, generatedAt),
    error: state.error ? { name: state.error.Error, cause: shortCause(state.error.Cause) } : undefined,
  };
}

const VERDICT_WORD: Record<Verdict['label'], string> = { confirmed: 'CONFIRMED', 'not-confirmed': 'NOT CONFIRMED', inconclusive: 'INCONCLUSIVE' };

export function reportSubject(report: InvestigationReport): string {
  const what =
    report.outcome === 'completed'
      ? `${VERDICT_WORD[report.verdict.label]}, ${report.threats?.findings.length ?? report.hunts.reduce((n, h) => n + h.findingCount, 0)} finding(s)`
      : report.outcome.replace(/-/g, ' ');
  // SNS subjects: ASCII, no newlines, at most 100 characters.
  return `[mirrorhunt] ${report.target.instanceId}: ${what}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** RITA's duration score needs six non-empty hourly bins (see queries/beacon-ip.sql). */
const DURATION_SCORE_MIN_HOURS = 6;

/**
 * A capture shorter than six hours cannot earn RITA's duration component, a quarter of the beacon
 * score: a perfectly regular beacon then scores about 0.75. Said in the report so a "medium"
 * beacon from a one-hour capture is read for what it is.
 */
export function shortCaptureNote(minutes: number): string | undefined {
  if (minutes >= DURATION_SCORE_MIN_HOURS * 60) return undefined;
  return `Beacon scores: a ${minutes}-minute capture cannot earn RITA's duration component (it needs ${DURATION_SCORE_MIN_HOURS} hours of data), so even a perfectly regular beacon scores about 0.75 here; capture longer to separate beacons further.`;
}

/** The threats a reader sees first: the list's own order. */
export const topThreats = (report: InvestigationReport, n: number): Threat[] => report.threats?.findings.slice(0, n) ?? [];

/** The SNS message: verdict first, then the top threats, what to do, where to read more. */
export function reportSummary(report: InvestigationReport, reportLocation: string): string {
  const lines = [`${VERDICT_WORD[report.verdict.label]}: ${report.verdict.headline}`];
  for (const e of report.verdict.evidence.slice(0, 3)) lines.push(`  - ${e}`);
  const top = topThreats(report, 3);
  if (top.length > 0) {
    lines.push('', 'Top threats:');
    for (const t of top) lines.push(`  ${t.rank}. [${t.severity}] ${t.summary}`);
  }
  if (report.nextSteps.length > 0) lines.push('', `Next steps (commands in the report): ${report.nextSteps.map((s) => s.title).join('; ')}.`);
  lines.push(
    '',
    `Incident ${report.incidentId} - ${report.outcome}: ${report.outcomeReason}`,
    `Instance ${report.target.instanceId} (${report.target.instanceType}) in ${report.target.vpcId}; reason: ${report.request.reason}`,
  );
  if (report.capture) lines.push(`Captured ${report.capture.minutes} min (${report.capture.from} to ${report.capture.to}) on ${report.target.mirrored.length} ENI(s).`);
  for (const h of report.hunts.filter((x) => x.error)) lines.push(`- ${h.title}: FAILED (${h.error})`);
  const left = report.resources.filter((r) => r.fate === 'LEFT BEHIND');
  if (left.length > 0) {
    lines.push(`LEFT BEHIND (delete by hand or let the sweeper): ${left.map((r) => `${r.type} ${r.id}`).join(', ')}`);
  } else if (report.resources.length > 0) {
    lines.push(`Torn down: ${report.resources.length} resource(s); nothing left running.`);
  }
  if (report.links.execution) lines.push(`Execution: ${report.links.execution.consoleUrl}`);
  lines.push(`Full report: ${reportLocation}`);
  return lines.join('\n').slice(0, 4000);
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
/** Markdown inline code that a backtick in the value cannot close early. */
const code = (s: string): string => (s.includes('`') ? `\`\` ${s.replace(/[\r\n]+/g, ' ')} \`\`` : `\`${s}\``);

export function renderMarkdown(report: InvestigationReport): string {
  const out: string[] = [];
  out.push(`# mirrorhunt incident ${report.incidentId}`, '');
  out.push(`## Verdict: ${VERDICT_WORD[report.verdict.label]}`, '', report.verdict.headline, '');
  for (const e of report.verdict.evidence) out.push(`- ${cell(e)}`);
  out.push('');
  if (report.nextSteps.length > 0) {
    out.push('## Next steps', '');
    for (const [i, s] of report.nextSteps.entries()) {
      out.push(`${i + 1}. **${s.title}**: ${s.why}`, '', '```sh', ...s.commands, '```', '');
    }
  }
  const top = topThreats(report, 10);
  if (top.length > 0) {
    out.push(`## Ranked threats (${report.threats?.findings.length ?? 0}, best first)`, '');
    out.push('| # | severity | score | kind | finding |', '|---:|---|---:|---|---|');
    for (const t of top) out.push(`| ${t.rank} | ${t.severity} | ${t.score.toFixed(2)} | ${t.kind} | ${cell(t.summary)} |`);
    out.push('');
    for (const w of report.threats?.warnings ?? []) out.push(`- warning: ${cell(w)}`);
    if ((report.threats?.warnings.length ?? 0) > 0) out.push('');
  }
  const links = report.links;
  if (links.zeekLogs || links.athena || links.execution || links.report) {
    out.push('## Links', '');
    if (links.report) out.push(`- This report: ${links.report.markdown} (also ${links.report.html}, ${links.report.json})`);
    if (links.execution) out.push(`- Execution: ${links.execution.consoleUrl}`);
    if (links.zeekLogs) {
      out.push(`- Zeek logs: ${links.zeekLogs.s3Uri} (partitions ${links.zeekLogs.partitions[0]} ...), console: ${links.zeekLogs.consoleUrl}`);
      out.push('', '```sh', links.zeekLogs.downloadCommand, links.zeekLogs.huntCommand, '```', '');
    }
    if (links.athena) {
      out.push(`- Athena: workgroup \`${links.athena.workGroup}\`, database \`${links.athena.database}\`: ${links.athena.consoleUrl}`);
      if (links.athena.queries.length > 0) out.push('', '```sh', ...links.athena.queries.map((q) => q.command), '```');
    }
    out.push('');
  }
  if (report.request.finding) {
    const f = report.request.finding;
    out.push(`**Finding:** ${f.type} (severity ${f.severity}) ${code(f.id)}`, '');
  }
  out.push(`**Outcome:** ${report.outcome} - ${report.outcomeReason}`, '', `**Reason:** ${report.request.reason}`, '');
  out.push('## Target', '');
  out.push(`- Instance ${code(report.target.instanceId)} (${report.target.instanceType}) in ${code(report.target.vpcId)} (${report.target.vpcCidrs.join(', ')})`);
  out.push(report.target.hunted ? `- Hosts hunted: ${report.target.hosts.join(', ') || 'none'}` : `- Addresses: ${report.target.hosts.join(', ') || 'none'} (not hunted: nothing was captured)`);
  for (const m of report.target.mirrored) out.push(`- Mirrored ${code(m.networkInterfaceId)} as session number ${m.sessionNumber}${m.warnings.length ? ` (${m.warnings.join('; ')})` : ''}`);
  for (const s of report.target.skipped) out.push(`- Skipped ${code(s.networkInterfaceId)}: ${s.detail}`);
  out.push('');
  if (report.capture) {
    out.push('## Capture', '');
    out.push(`- ${report.capture.from} to ${report.capture.to} (${report.capture.minutes} min), VNI ${report.capture.vni}, sensor ${code(report.capture.sensorInstanceId ?? '?')}`);
    const note = shortCaptureNote(report.capture.minutes);
    if (note) out.push(`- ${note}`);
    out.push('');
  }
  if (report.hunts.length > 0) {
    out.push(`## Hunts (${report.huntEngine ?? 'engine unknown'}${report.bytesScanned !== undefined ? `, ${report.bytesScanned} bytes scanned` : ''})`, '');
    if (report.huntsTruncated) {
      out.push('Some evidence was shortened (or lower-ranked findings left out) to fit the execution state; the counts are complete. Run the hunt in Athena or with `mirrorhunt hunt` for every row.', '');
    }
    out.push('| hunt | findings | rows | ms | note |', '|---|---:|---:|---:|---|');
    for (const h of report.hunts) {
      const note = h.error ? `FAILED: ${h.error}` : h.limitReached !== undefined ? `first ${h.limitReached} rows only (LIMIT)` : '';
      out.push(`| ${cell(h.title)} | ${h.findingCount} | ${h.rowsReturned ?? ''} | ${h.elapsedMs} | ${cell(note)} |`);
    }
    out.push('');
  }
  if (report.relatedFindings.length > 0) out.push('## Related requests recorded during this investigation', '', ...report.relatedFindings.map((r) => `- ${r}`), '');
  if (report.resources.length > 0) {
    out.push('## Resources', '', '| resource | id | fate |', '|---|---|---|');
    for (const r of report.resources) out.push(`| ${r.type} | ${code(r.id)} | ${cell(r.fate === 'LEFT BEHIND' ? `LEFT BEHIND: ${r.detail ?? ''}` : `${r.fate}${r.detail ? ` (${r.detail})` : ''}`)} |`);
    out.push('');
  }
  out.push('## Timeline', '');
  for (const t of report.timeline) out.push(`- ${t.at} ${t.event}${t.detail ? `: ${cell(t.detail)}` : ''}`);
  if (report.error) out.push('', '## Error', '', `${code(report.error.name)}: ${report.error.cause ?? ''}`);
  return out.join('\n') + '\n';
}
