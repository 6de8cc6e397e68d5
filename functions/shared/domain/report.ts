import type { InvestigationState, Outcome } from './state';

export interface InvestigationReport {
  incidentId: string;
  outcome: Outcome;
  outcomeReason: string;
  generatedAt: string;
  request: {
    source: string;
    reason: string;
    captureMinutes: number;
    finding?: { id: string; type: string; severity: number; title: string };
    pivots: { ips: string[]; domains: string[] };
  };
  target: {
    instanceId: string;
    instanceType: string;
    vpcId: string;
    vpcCidrs: string[];
    hosts: string[];
    mirrored: Array<{ networkInterfaceId: string; sessionNumber: number; warnings: string[] }>;
    skipped: Array<{ networkInterfaceId: string; reason: string; detail: string }>;
  };
  capture?: { from: string; to: string; minutes: number; vni: number; sensorInstanceId?: string };
  hunts: Array<{ name: string; title: string; findingCount: number; top: Array<{ severity: string; score?: number; summary: string }>; error?: string }>;
  huntEngine?: string;
  bytesScanned?: number;
  /** Evidence or lower-ranked findings were shortened to fit the execution state. */
  huntsTruncated?: boolean;
  relatedFindings: string[];
  resources: {
    created: Array<{ type: string; id: string }>;
    deleted: Array<{ type: string; id: string; outcome: string }>;
    remaining: Array<{ type: string; id: string; why: string }>;
  };
  timings: Record<string, string | undefined>;
  error?: { name: string; cause?: string };
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

export function buildReport(state: InvestigationState, relatedFindings: string[], generatedAt: Date): InvestigationReport {
  const { outcome, reason } = outcomeOf(state);
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
  // The threat list is already ranked; each hunt's top rows are the threats it contributed to.
  const threats = state.hunts?.threats?.findings ?? [];
  const hunts = (state.hunts?.outcomes ?? []).map((h) => ({
    name: h.name,
    title: h.title,
    findingCount: h.findingCount,
    top: threats
      .filter((t) => t.hunts.includes(h.name))
      .slice(0, 5)
      .map((t) => ({ severity: t.severity, score: t.score, summary: t.summary })),
    error: h.error,
  }));
  const finding = state.request.finding;
  return {
    incidentId: state.incidentId,
    outcome,
    outcomeReason: reason,
    generatedAt: generatedAt.toISOString(),
    request: {
      source: state.request.source,
      reason: state.request.reason,
      captureMinutes: state.request.captureMinutes,
      finding: finding ? { id: finding.id, type: finding.type, severity: finding.severity, title: finding.title } : undefined,
      pivots: { ips: state.request.pivotIps, domains: state.request.pivotDomains },
    },
    target: {
      instanceId: state.target.instanceId,
      instanceType: state.target.instanceType,
      vpcId: state.target.vpcId,
      vpcCidrs: [...state.target.cidrs.ipv4, ...state.target.cidrs.ipv6],
      hosts: state.target.hosts,
      mirrored: state.target.enis.map((e) => ({ networkInterfaceId: e.networkInterfaceId, sessionNumber: e.sessionNumber, warnings: e.warnings })),
      skipped: state.target.skipped,
    },
    capture:
      state.mirror && state.mirrorStop
        ? {
            from: state.mirror.startedAt,
            to: state.mirrorStop.stoppedAt,
            minutes: Math.round((Date.parse(state.mirrorStop.stoppedAt) - Date.parse(state.mirror.startedAt)) / 60000),
            vni: state.mirror.vni,
            sensorInstanceId: state.sensor?.instanceId,
          }
        : undefined,
    hunts,
    huntEngine: state.hunts?.engine,
    bytesScanned: state.hunts?.bytesScanned,
    ...(state.hunts?.truncated ? { huntsTruncated: true } : {}),
    relatedFindings,
    resources: {
      created,
      deleted: state.teardown?.deleted ?? [],
      remaining: state.teardown?.remaining ?? [],
    },
    timings: {
      executionStarted: state.startedAt,
      sensorLaunched: state.sensor?.launchedAt,
      sensorReady: state.sensorStatus?.ready ? state.sensorStatus.checkedAt : undefined,
      mirroringStarted: state.mirror?.startedAt,
      mirroringStopped: state.mirrorStop?.stoppedAt,
      teardownCompleted: state.teardown?.completedAt,
      huntsStarted: state.hunts?.startedAt,
      huntsFinished: state.hunts?.finishedAt,
    },
    error: state.error ? { name: state.error.Error, cause: shortCause(state.error.Cause) } : undefined,
  };
}

export function reportSubject(report: InvestigationReport): string {
  const findings = report.hunts.reduce((n, h) => n + h.findingCount, 0);
  const what =
    report.outcome === 'completed'
      ? `${findings} hunt finding${findings === 1 ? '' : 's'}`
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

export function reportSummary(report: InvestigationReport, reportLocation: string): string {
  const lines = [
    `Incident ${report.incidentId} - ${report.outcome}: ${report.outcomeReason}`,
    `Instance ${report.target.instanceId} (${report.target.instanceType}) in ${report.target.vpcId}; reason: ${report.request.reason}`,
  ];
  if (report.capture) lines.push(`Captured ${report.capture.minutes} min (${report.capture.from} to ${report.capture.to}) on ${report.target.mirrored.length} ENI(s).`);
  for (const hunt of report.hunts.filter((h) => h.findingCount > 0 || h.error)) {
    lines.push(hunt.error ? `- ${hunt.title}: FAILED (${hunt.error})` : `- ${hunt.title}: ${hunt.findingCount} (top: ${hunt.top[0]?.summary ?? ''})`);
  }
  if (report.resources.remaining.length > 0) {
    lines.push(`LEFT BEHIND (delete by hand or let the sweeper): ${report.resources.remaining.map((r) => `${r.type} ${r.id}`).join(', ')}`);
  } else if (report.resources.created.length > 0) {
    lines.push(`Torn down: ${report.resources.deleted.length} resource(s); nothing left running.`);
  }
  lines.push(`Full report: ${reportLocation}`);
  return lines.join('\n').slice(0, 4000);
}

export function renderMarkdown(report: InvestigationReport): string {
  const out: string[] = [];
  out.push(`# mirrorhunt incident ${report.incidentId}`, '');
  out.push(`**Outcome:** ${report.outcome} - ${report.outcomeReason}`, '');
  out.push(`**Reason:** ${report.request.reason}`, '');
  if (report.request.finding) {
    const f = report.request.finding;
    out.push(`**Finding:** ${f.type} (severity ${f.severity}) \`${f.id}\``, '');
  }
  out.push('## Target', '');
  out.push(`- Instance \`${report.target.instanceId}\` (${report.target.instanceType}) in \`${report.target.vpcId}\` (${report.target.vpcCidrs.join(', ')})`);
  out.push(`- Hosts hunted: ${report.target.hosts.join(', ') || 'none'}`);
  for (const m of report.target.mirrored) out.push(`- Mirrored \`${m.networkInterfaceId}\` as session number ${m.sessionNumber}${m.warnings.length ? ` (${m.warnings.join('; ')})` : ''}`);
  for (const s of report.target.skipped) out.push(`- Skipped \`${s.networkInterfaceId}\`: ${s.detail}`);
  out.push('');
  if (report.capture) {
    out.push('## Capture', '');
    out.push(`- ${report.capture.from} to ${report.capture.to} (${report.capture.minutes} min), VNI ${report.capture.vni}, sensor \`${report.capture.sensorInstanceId}\``);
    const note = shortCaptureNote(report.capture.minutes);
    if (note) out.push(`- ${note}`);
    out.push('');
  }
  if (report.hunts.length > 0) {
    out.push(`## Hunts (${report.huntEngine ?? 'engine unknown'}${report.bytesScanned !== undefined ? `, ${report.bytesScanned} bytes scanned` : ''})`, '');
    if (report.huntsTruncated) {
      out.push('Some evidence was shortened (or lower-ranked findings left out) to fit the execution state; the counts are complete. Run the hunt in Athena or with `mirrorhunt hunt` for every row.', '');
    }
    out.push('| hunt | findings | top finding |', '|---|---:|---|');
    for (const h of report.hunts) {
      const top = h.error ? `FAILED: ${h.error}` : (h.top[0] ? `${h.top[0].severity}: ${h.top[0].summary}` : '-');
      out.push(`| ${h.title} | ${h.findingCount} | ${top.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
    for (const h of report.hunts.filter((x) => x.top.length > 0)) {
      out.push(`### ${h.title}`, '');
      for (const f of h.top) out.push(`- **${f.severity}**${f.score !== undefined ? ` (score ${f.score})` : ''}: ${f.summary}`);
      out.push('');
    }
  }
  if (report.relatedFindings.length > 0) out.push('## Related requests recorded during this investigation', '', ...report.relatedFindings.map((r) => `- ${r}`), '');
  out.push('## Resources', '');
  out.push('| resource | id | fate |', '|---|---|---|');
  for (const c of report.resources.created) {
    const fate = report.resources.deleted.find((d) => d.id === c.id)?.outcome ?? (report.resources.remaining.find((r) => r.id === c.id) ? 'LEFT BEHIND' : 'not recorded');
    out.push(`| ${c.type} | \`${c.id}\` | ${fate} |`);
  }
  for (const r of report.resources.remaining) out.push(`| ${r.type} | \`${r.id}\` | LEFT BEHIND: ${r.why} |`);
  out.push('');
  out.push('## Timeline', '');
  for (const [step, at] of Object.entries(report.timings)) if (at) out.push(`- ${step}: ${at}`);
  if (report.error) out.push('', '## Error', '', `\`${report.error.name}\`: ${report.error.cause ?? ''}`);
  return out.join('\n') + '\n';
}
