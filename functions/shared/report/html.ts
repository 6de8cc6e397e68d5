/**
 * The HTML report: one self-contained page (inline CSS, inline SVG plots, no script, no external
 * URL fetched at view time; a Content-Security-Policy of `default-src 'none'` makes the browser
 * refuse anything else), readable on a phone. Every string that came from logs or a finding
 * (server names, user agents, domains: attacker-chosen) goes through `escapeHtml`.
 *
 * Used by writeReport (beside report.md) and by `mirrorhunt hunt --format html`.
 */
import type { Threat, ThreatList } from '../hunting/threat-list';
import type { NextStep } from '../domain/next-steps';
import type { InvestigationReport, ReportLinks, ResourceRow, TimelineEntry } from '../domain/report';
import type { Verdict } from '../domain/verdict';
import { intervalHistogram, renderSvg, sizeOverTime, timeline } from './plots';

/** Beacons plotted: the top ones that carry a series (the threat list keeps series for the top beacons only). */
export const MAX_PLOTTED_BEACONS = 5;
/** Threats listed in the table; the rest are in report.json. */
export const MAX_LISTED_THREATS = 50;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text and attribute values: the five HTML specials and the backtick. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c] as string);
}

/** Only http(s) links become anchors; anything else (javascript:, data:) is shown as text. */
function link(url: string, text?: string): string {
  return /^https:\/\/[^\s"'<>]+$/.test(url) ? `<a href="${escapeHtml(url)}" rel="noreferrer">${escapeHtml(text ?? url)}</a>` : escapeHtml(text ?? url);
}

export interface HtmlPageInput {
  title: string;
  subtitle?: string;
  verdict?: Verdict;
  nextSteps?: NextStep[];
  threats?: ThreatList;
  timeline?: TimelineEntry[];
  resources?: ResourceRow[];
  links?: ReportLinks;
  facts?: Array<[string, string]>;
  hunts?: Array<{ name: string; title: string; findingCount?: number; rowsReturned?: number; elapsedMs: number; error?: string; limitReached?: number }>;
  generatedAt?: string;
}

const CSS = `
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--code:#f3f4f6}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:1.3rem;margin:.2rem 0;word-break:break-all}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .3rem;word-break:break-all}
.sub{color:var(--muted);margin:0 0 .6rem}
.verdict{border-radius:8px;padding:10px 12px;border:2px solid}
.verdict .label{font-weight:700;letter-spacing:.04em}
.v-confirmed{border-color:#dc2626;background:#fef2f2}
.v-inconclusive{border-color:#d97706;background:#fffbeb}
.v-not-confirmed{border-color:#16a34a;background:#f0fdf4}
ul{padding-left:1.2rem;margin:.3rem 0}
li{margin:.15rem 0;overflow-wrap:anywhere}
pre{background:var(--code);padding:8px;border-radius:6px;overflow-x:auto;font-size:12px;white-space:pre}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
td.summary{overflow-wrap:anywhere;min-width:14rem}
.sev{font-weight:600;white-space:nowrap}
.sev-critical{color:#991b1b}.sev-high{color:#dc2626}.sev-medium{color:#d97706}.sev-low{color:#2563eb}.sev-info{color:var(--muted)}
.plots{display:flex;flex-wrap:wrap;gap:12px}
.plot{flex:1 1 300px;min-width:0}
.plot svg{width:100%;height:auto;display:block}
.plot.timeline{max-width:520px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.3rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:12px;margin:2rem 0 1rem}
`;

const LABEL: Record<Verdict['label'], string> = { confirmed: 'CONFIRMED', 'not-confirmed': 'NOT CONFIRMED', inconclusive: 'INCONCLUSIVE' };

function verdictSection(v: Verdict): string {
  return `<section id="verdict"><h2>Verdict</h2><div class="verdict v-${escapeHtml(v.label)}"><div class="label">${LABEL[v.label]}</div><p>${escapeHtml(v.headline)}</p>${
    v.evidence.length > 0 ? `<ul>${v.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>` : ''
  }</div></section>`;
}

function nextStepsSection(steps: NextStep[]): string {
  if (steps.length === 0) return '';
  return `<section id="next-steps"><h2>Next steps</h2><ol>${steps
    .map((s) => `<li><strong>${escapeHtml(s.title)}</strong>: ${escapeHtml(s.why)}<pre><code>${s.commands.map(escapeHtml).join('\n')}</code></pre></li>`)
    .join('')}</ol></section>`;
}

function threatsSection(list: ThreatList): string {
  const rows = list.findings.slice(0, MAX_LISTED_THREATS);
  const more = list.findings.length - rows.length;
  return `<section id="threats"><h2>Ranked threats (${list.findings.length})</h2><p class="sub">Window ${escapeHtml(list.window.from)} to ${escapeHtml(list.window.to)}; scoring mode ${escapeHtml(list.mode)}.</p>${
    rows.length === 0
      ? '<p>Nothing found.</p>'
      : `<div class="table-wrap"><table><thead><tr><th>#</th><th>severity</th><th>score</th><th>kind</th><th>finding</th></tr></thead><tbody>${rows
          .map(
            (t) =>
              `<tr><td>${t.rank}</td><td class="sev sev-${escapeHtml(t.severity)}">${escapeHtml(t.severity)}</td><td>${Number(t.score).toFixed(2)}</td><td>${escapeHtml(t.kind)}</td><td class="summary">${escapeHtml(t.summary)}<br><small>${escapeHtml(t.hunts.join(', '))}</small></td></tr>`,
          )
          .join('')}</tbody></table></div>${more > 0 ? `<p class="sub">${more} more in report.json.</p>` : ''}`
  }${list.warnings.length > 0 ? `<ul>${list.warnings.map((w) => `<li>warning: ${escapeHtml(w)}</li>`).join('')}</ul>` : ''}</section>`;
}

async function beaconsSection(list: ThreatList): Promise<string> {
  const beacons = list.findings.filter((t): t is Threat & { beacon: NonNullable<Threat['beacon']> } => (t.beacon?.series?.length ?? 0) >= 3).slice(0, MAX_PLOTTED_BEACONS);
  if (beacons.length === 0) return '';
  const parts: string[] = [];
  for (const t of beacons) {
    const series = t.beacon.series as Array<[number, number]>;
    const [histogram, sizes] = await Promise.all([renderSvg(intervalHistogram(series)), renderSvg(sizeOverTime(series))]);
    parts.push(
      `<article class="beacon"><h3>#${t.rank} ${escapeHtml(t.src)} → ${escapeHtml(t.host ?? t.dst ?? '?')}</h3><p class="sub">${t.beacon.connections} connections, median interval ${Math.round(t.beacon.medianIntervalSeconds)} s, median ${Math.round(t.beacon.medianBytes)} bytes; score ${t.beacon.score.toFixed(2)} (timestamp ${t.beacon.timestampScore.toFixed(2)}, size ${t.beacon.sizeScore.toFixed(2)})</p><div class="plots"><div class="plot">${histogram}</div><div class="plot">${sizes}</div></div></article>`,
    );
  }
  return `<section id="beacons"><h2>Top beacons</h2>${parts.join('')}</section>`;
}

async function timelineSection(entries: TimelineEntry[]): Promise<string> {
  if (entries.length === 0) return '';
  const svg = entries.length >= 2 ? `<div class="plot timeline">${await renderSvg(timeline(entries))}</div>` : '';
  return `<section id="timeline"><h2>Timeline</h2>${svg}<ul>${entries.map((e) => `<li><code>${escapeHtml(e.at)}</code> ${escapeHtml(e.event)}${e.detail ? `: ${escapeHtml(e.detail)}` : ''}</li>`).join('')}</ul></section>`;
}

function resourcesSection(rows: ResourceRow[]): string {
  if (rows.length === 0) return '';
  return `<section id="resources"><h2>Resources</h2><div class="table-wrap"><table><thead><tr><th>resource</th><th>id</th><th>fate</th></tr></thead><tbody>${rows
    .map((r) => `<tr><td>${escapeHtml(r.type)}</td><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.fate)}${r.detail ? ` (${escapeHtml(r.detail)})` : ''}</td></tr>`)
    .join('')}</tbody></table></div></section>`;
}

function linksSection(links: ReportLinks): string {
  const items: string[] = [];
  if (links.execution) items.push(`<li>Execution: ${link(links.execution.consoleUrl, 'Step Functions console')}</li>`);
  if (links.zeekLogs) items.push(`<li>Zeek logs: <code>${escapeHtml(links.zeekLogs.s3Uri)}</code> (${link(links.zeekLogs.consoleUrl, 'S3 console')})<pre><code>${escapeHtml(links.zeekLogs.downloadCommand)}\n${escapeHtml(links.zeekLogs.huntCommand)}</code></pre></li>`);
  if (links.athena) {
    items.push(
      `<li>Athena: workgroup <code>${escapeHtml(links.athena.workGroup)}</code>, database <code>${escapeHtml(links.athena.database)}</code> (${link(links.athena.consoleUrl, 'query editor')})${
        links.athena.queries.length > 0 ? `<pre><code>${links.athena.queries.map((q) => escapeHtml(q.command)).join('\n')}</code></pre>` : ''
      }</li>`,
    );
  }
  if (links.report) items.push(`<li>This report: <code>${escapeHtml(links.report.html)}</code>, <code>${escapeHtml(links.report.markdown)}</code>, <code>${escapeHtml(links.report.json)}</code></li>`);
  return items.length > 0 ? `<section id="links"><h2>Links</h2><ul>${items.join('')}</ul></section>` : '';
}

function huntsSection(hunts: NonNullable<HtmlPageInput['hunts']>): string {
  if (hunts.length === 0) return '';
  const counts = hunts.some((h) => h.findingCount !== undefined);
  return `<section id="hunts"><h2>Hunts</h2><div class="table-wrap"><table><thead><tr><th>hunt</th>${counts ? '<th>findings</th>' : ''}<th>rows</th><th>ms</th><th>note</th></tr></thead><tbody>${hunts
    .map(
      (h) =>
        `<tr><td>${escapeHtml(h.title)}</td>${counts ? `<td>${h.findingCount ?? ''}</td>` : ''}<td>${h.rowsReturned ?? ''}</td><td>${h.elapsedMs}</td><td>${h.error ? `FAILED: ${escapeHtml(h.error)}` : h.limitReached !== undefined ? `first ${h.limitReached} rows only` : ''}</td></tr>`,
    )
    .join('')}</tbody></table></div></section>`;
}

export async function renderHtmlPage(input: HtmlPageInput): Promise<string> {
  const sections = [
    input.verdict ? verdictSection(input.verdict) : '',
    nextStepsSection(input.nextSteps ?? []),
    input.threats ? threatsSection(input.threats) : '',
    input.threats ? await beaconsSection(input.threats) : '',
    await timelineSection(input.timeline ?? []),
    input.facts && input.facts.length > 0 ? `<section id="facts"><h2>Investigation</h2><dl class="facts">${input.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>` : '',
    resourcesSection(input.resources ?? []),
    input.links ? linksSection(input.links) : '',
    huntsSection(input.hunts ?? []),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(input.title)}</title><style>${CSS}</style></head>
<body><main><header><h1>${escapeHtml(input.title)}</h1>${input.subtitle ? `<p class="sub">${escapeHtml(input.subtitle)}</p>` : ''}</header>
${sections.filter(Boolean).join('\n')}
<footer>mirrorhunt${input.generatedAt ? `, generated ${escapeHtml(input.generatedAt)}` : ''}. Self-contained: nothing on this page loads from the network.</footer></main></body></html>
`;
}

/** The investigation report as a page: the same facts as report.md. */
export function renderReportHtml(report: InvestigationReport): Promise<string> {
  const facts: Array<[string, string]> = [
    ['outcome', `${report.outcome}: ${report.outcomeReason}`],
    ['reason', report.request.reason],
    ['instance', `${report.target.instanceId} (${report.target.instanceType}) in ${report.target.vpcId}`],
    [report.target.hunted ? 'hosts hunted' : 'addresses (not hunted)', report.target.hosts.join(', ') || 'none'],
  ];
  if (report.request.finding) facts.push(['finding', `${report.request.finding.type} (severity ${report.request.finding.severity}) ${report.request.finding.id}`]);
  if (report.capture) facts.push(['capture', `${report.capture.from} to ${report.capture.to} (${report.capture.minutes} min), sensor ${report.capture.sensorInstanceId ?? '?'}`]);
  for (const s of report.target.skipped) facts.push(['skipped ENI', s.detail]);
  if (report.error) facts.push(['error', `${report.error.name}: ${report.error.cause ?? ''}`]);
  return renderHtmlPage({
    title: `mirrorhunt incident ${report.incidentId}`,
    subtitle: `${report.target.instanceId}: ${report.request.reason}`,
    verdict: report.verdict,
    nextSteps: report.nextSteps,
    threats: report.threats,
    timeline: report.timeline,
    facts,
    resources: report.resources,
    links: report.links,
    hunts: report.hunts,
    generatedAt: report.generatedAt,
  });
}

/** `mirrorhunt hunt --format html`: the ranked list of a folder of logs, with the same plots. */
export function renderThreatListHtml(list: ThreatList, source: string, generatedAt?: string): Promise<string> {
  return renderHtmlPage({
    title: 'mirrorhunt hunt',
    subtitle: `${source}: ${list.findings.length} finding(s), window ${list.window.from} to ${list.window.to}`,
    threats: list,
    hunts: list.hunts,
    generatedAt,
  });
}
