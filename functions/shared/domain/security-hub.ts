/**
 * Security Hub in the loop, both ways, as pure functions:
 *
 * - In: a "Security Hub Findings - Custom Action" event (the responder chose "Investigate" on a
 *   GuardDuty finding) becomes the same `Finding` the GuardDuty trigger reads. Event shape:
 *   https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
 *   (`detail.actionName`, `detail.actionDescription`, `detail.findings`: ASFF, one finding per event).
 * - Out: the investigation's verdict as an ASFF finding for BatchImportFindings, related to the
 *   original GuardDuty finding and linking the report. Required members from the botocore model
 *   (securityhub 2018-10-26, shape AwsSecurityFinding: SchemaVersion, Id, ProductArn, GeneratorId,
 *   AwsAccountId, CreatedAt, UpdatedAt, Title, Description, Resources); field guidance from
 *   https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-asff-mapping.html
 *   (SchemaVersion 2018-10-08; Title <= 256, Description <= 1024 characters; types and severity in
 *   FindingProviderFields).
 */
import * as z from 'zod';
import type { InvestigationReport } from './report';
import { parseFindingEvent, type Finding } from './finding';
import { parseOrThrow } from './validation';
import { InvalidInputError } from '../errors';

export const ASFF_SCHEMA_VERSION = '2018-10-08';
export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';
/** The custom action's name in the console: Security Hub takes fewer than 20 characters (securityhub-cwe-configure.html). */
export const CUSTOM_ACTION_NAME = 'mirrorhunt capture';
export const CUSTOM_ACTION_DESCRIPTION = 'Investigate with mirrorhunt: mirror the instance, hunt its traffic, report a verdict';

const asffSchema = z
  .object({
    Id: z.string().max(512),
    ProductArn: z.string().max(512),
    ProductName: z.string().max(128).optional(),
    Title: z.string().max(1024).optional(),
    Types: z.array(z.string().max(256)).max(50).optional(),
    Severity: z.object({ Label: z.string().optional(), Original: z.string().optional(), Product: z.number().optional(), Normalized: z.number().optional() }).loose().optional(),
    FindingProviderFields: z.object({ Severity: z.object({ Original: z.string().optional() }).loose().optional(), Types: z.array(z.string().max(256)).optional() }).loose().optional(),
    Resources: z.array(z.object({ Type: z.string().max(128), Id: z.string().max(512) }).loose()).max(32),
    ProductFields: z.record(z.string(), z.string()).optional(),
    Action: z
      .object({
        NetworkConnectionAction: z.object({ RemoteIpDetails: z.object({ IpAddressV4: z.string().max(64).optional() }).loose().optional() }).loose().optional(),
        PortProbeAction: z.object({ PortProbeDetails: z.array(z.object({ RemoteIpDetails: z.object({ IpAddressV4: z.string().max(64).optional() }).loose().optional() }).loose()).max(1000).optional() }).loose().optional(),
        DnsRequestAction: z.object({ Domain: z.string().max(1024).optional() }).loose().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const customActionSchema = z
  .object({
    source: z.literal('aws.securityhub'),
    'detail-type': z.literal(CUSTOM_ACTION_DETAIL_TYPE),
    resources: z.array(z.string()).max(10).optional(),
    detail: z.object({ actionName: z.string().max(128).optional(), findings: z.array(z.unknown()).min(1).max(100) }).loose(),
  })
  .loose();

export const isSecurityHubEvent = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.securityhub';

const GUARDDUTY_PRODUCT = /:product\/aws\/guardduty$/;
/** GuardDuty's ASFF `Id` is the finding's own ARN: `arn:aws:guardduty:<region>:<account>:detector/<d>/finding/<id>`. */
const GUARDDUTY_ID = /^arn:aws[a-z-]*:guardduty:[a-z0-9-]+:\d{12}:detector\/[A-Za-z0-9]+\/finding\/([A-Za-z0-9_-]{1,64})$/;

/**
 * In ASFF, GuardDuty's type is the last part of a Types entry with its `/` written as `-`
 * (`TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS`); this puts the `/` back.
 * An inference from the published examples, checked against the type alphabet after.
 */
export function guardDutyTypeFromAsff(types: string[]): string | undefined {
  for (const t of types) {
    const last = t.split('/').pop() ?? '';
    const m = /^([A-Za-z]+:[A-Za-z0-9]+)-(.+)$/.exec(last);
    if (m) return `${m[1]}/${m[2]}`;
  }
  return undefined;
}

function severityOf(f: z.output<typeof asffSchema>): number {
  const original = Number(f.FindingProviderFields?.Severity?.Original ?? f.Severity?.Original);
  if (Number.isFinite(original) && original >= 0 && original <= 10) return original;
  if (typeof f.Severity?.Product === 'number' && f.Severity.Product <= 10) return f.Severity.Product;
  return Math.min(10, (f.Severity?.Normalized ?? 0) / 10);
}

/**
 * One ASFF finding from GuardDuty → the `Finding` the GuardDuty trigger reads, by building the
 * GuardDuty-shaped detail and passing it through the same validation (ids, type, addresses).
 */
export function findingFromAsff(raw: unknown): Finding {
  const f = parseOrThrow(asffSchema, raw, 'Security Hub finding');
  if (!GUARDDUTY_PRODUCT.test(f.ProductArn)) {
    throw new InvalidInputError(`Security Hub finding ${f.Id} comes from ${f.ProductName ?? f.ProductArn}; mirrorhunt investigates GuardDuty findings only`);
  }
  const id = GUARDDUTY_ID.exec(f.Id)?.[1];
  if (!id) throw new InvalidInputError(`Security Hub finding id ${f.Id} is not a GuardDuty finding ARN`);
  const instance = f.Resources.find((r) => r.Type === 'AwsEc2Instance');
  const instanceId = instance ? /instance\/(i-[0-9a-f]+)$/.exec(instance.Id)?.[1] : undefined;
  const pf = f.ProductFields ?? {};
  const remote = f.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4 ?? pf['aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4'];
  const probes = (f.Action?.PortProbeAction?.PortProbeDetails ?? []).map((d) => ({ remoteIpDetails: { ipAddressV4: d.RemoteIpDetails?.IpAddressV4 } }));
  const domain = f.Action?.DnsRequestAction?.Domain ?? pf['aws/guardduty/service/action/dnsRequestAction/domain'];
  const type = guardDutyTypeFromAsff([...(f.FindingProviderFields?.Types ?? []), ...(f.Types ?? [])]);
  if (!type) throw new InvalidInputError(`Security Hub finding ${f.Id} carries no GuardDuty finding type in Types`);
  return parseFindingEvent({
    id,
    arn: f.Id,
    type,
    severity: severityOf(f),
    title: f.Title,
    resource: instanceId ? { resourceType: 'Instance', instanceDetails: { instanceId } } : { resourceType: f.Resources[0]?.Type ?? 'Unknown' },
    service: {
      action: {
        ...(remote ? { networkConnectionAction: { remoteIpDetails: { ipAddressV4: remote } } } : {}),
        ...(probes.length > 0 ? { portProbeAction: { portProbeDetails: probes } } : {}),
        ...(domain ? { dnsRequestAction: { domain } } : {}),
      },
      additionalInfo: { sample: pf['aws/guardduty/service/additionalInfo/sample'] === 'true' },
    },
  });
}

/** The selected findings of a custom-action event, each read as a GuardDuty finding or rejected with its reason. */
export function parseCustomActionEvent(event: unknown): Array<{ finding: Finding } | { rejected: string }> {
  const e = parseOrThrow(customActionSchema, event, 'Security Hub custom action event');
  return e.detail.findings.map((raw) => {
    try {
      return { finding: findingFromAsff(raw) };
    } catch (error) {
      if (error instanceof InvalidInputError) return { rejected: error.message };
      throw error;
    }
  });
}

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface VerdictFindingContext {
  partition: string;
  region: string;
  accountId: string;
  /** When the finding is (re)imported; CreatedAt stays the report's time so a re-import updates, not duplicates. */
  now: Date;
  /** A page a person can open: the HTML report in the S3 console. */
  reportUrl?: string;
  reportJsonUri?: string;
}

/** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`: the product ARN of findings an account imports itself. */
export const defaultProductArn = (partition: string, region: string, accountId: string): string => `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
const guardDutyProductArn = (partition: string, region: string): string => `arn:${partition}:securityhub:${region}::product/aws/guardduty`;

function severityForVerdict(report: InvestigationReport): AsffSeverityLabel {
  if (report.verdict.label === 'confirmed') return report.threats?.findings.some((t) => t.severity === 'critical') ? 'CRITICAL' : 'HIGH';
  if (report.verdict.label === 'inconclusive') return 'MEDIUM';
  return 'INFORMATIONAL';
}

/**
 * ASFF type taxonomy (namespace/category/classifier): a confirmed peer contact is command and
 * control; anything else is an unusual network flow worth a look.
 * https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-type-taxonomy.html
 */
function typesForVerdict(report: InvestigationReport): string[] {
  return report.verdict.label === 'confirmed' && report.verdict.rule === 'peer-seen' ? ['TTPs/Command and Control/mirrorhunt'] : ['Unusual Behaviors/Network Flow/mirrorhunt'];
}

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** The verdict as one ASFF finding, ready for BatchImportFindings. */
export function verdictFinding(report: InvestigationReport, ctx: VerdictFindingContext): Record<string, unknown> {
  const label = severityForVerdict(report);
  const types = typesForVerdict(report);
  const original = report.request.finding;
  const originalArn = original?.arn;
  const description = [report.verdict.headline, ...report.verdict.evidence.map((e) => `- ${e}`), report.nextSteps.length > 0 ? `Next: ${report.nextSteps.map((s) => s.title).join('; ')}.` : ''].filter(Boolean).join('\n');
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `mirrorhunt/${report.incidentId}`,
    ProductArn: defaultProductArn(ctx.partition, ctx.region, ctx.accountId),
    GeneratorId: 'mirrorhunt/investigate',
    AwsAccountId: ctx.accountId,
    Types: types,
    CreatedAt: report.generatedAt,
    UpdatedAt: ctx.now.toISOString(),
    Severity: { Label: label, Original: report.verdict.label },
    Title: clip(`mirrorhunt ${report.verdict.label.replace('-', ' ')}: ${report.target.instanceId}${original ? ` (${original.type})` : ''}`, 256),
    Description: clip(description, 1024),
    ...(ctx.reportUrl ? { SourceUrl: ctx.reportUrl } : {}),
    ProductFields: {
      'mirrorhunt/incidentId': report.incidentId,
      'mirrorhunt/verdict': report.verdict.label,
      'mirrorhunt/rule': report.verdict.rule,
      'mirrorhunt/outcome': report.outcome,
      'mirrorhunt/threats': String(report.threats?.findings.length ?? 0),
      ...(ctx.reportJsonUri ? { 'mirrorhunt/report': ctx.reportJsonUri } : {}),
    },
    Resources: [
      {
        Type: 'AwsEc2Instance',
        Id: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${report.target.instanceId}`,
        Partition: ctx.partition,
        Region: ctx.region,
      },
    ],
    ...(originalArn ? { RelatedFindings: [{ ProductArn: guardDutyProductArn(ctx.partition, ctx.region), Id: originalArn }] } : {}),
    FindingProviderFields: {
      Severity: { Label: label, Original: report.verdict.label },
      Types: types,
      ...(originalArn ? { RelatedFindings: [{ ProductArn: guardDutyProductArn(ctx.partition, ctx.region), Id: originalArn }] } : {}),
    },
    RecordState: 'ACTIVE',
  };
}

/** The S3 console page of an object (a link a person opens from Security Hub; console URL format, not an API). */
export const s3ConsoleObjectUrl = (bucket: string, key: string, region: string): string =>
  `https://s3.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`;

/**
 * An execution that ended (aborted, timed out, failed early) without writing a report still
 * answers in Security Hub: inconclusive, naming how it ended. Undefined when its input names no
 * instance (an ENI-only manual request gives Security Hub no resource to hang it on).
 */
export function unreportedFinding(run: { incidentId: string; status: string; input?: string }, ctx: VerdictFindingContext): Record<string, unknown> | undefined {
  let input: { instanceId?: unknown; finding?: { arn?: unknown; type?: unknown } } = {};
  try {
    input = JSON.parse(run.input ?? '{}') as typeof input;
  } catch {
    // Unreadable input: treated as naming nothing.
  }
  const instanceId = typeof input.instanceId === 'string' && /^i-[0-9a-f]{8,17}$/.test(input.instanceId) ? input.instanceId : undefined;
  if (!instanceId) return undefined;
  const originalArn = typeof input.finding?.arn === 'string' ? input.finding.arn : undefined;
  const related = originalArn ? [{ ProductArn: guardDutyProductArn(ctx.partition, ctx.region), Id: originalArn }] : undefined;
  const at = ctx.now.toISOString();
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `mirrorhunt/${run.incidentId}`,
    ProductArn: defaultProductArn(ctx.partition, ctx.region, ctx.accountId),
    GeneratorId: 'mirrorhunt/investigate',
    AwsAccountId: ctx.accountId,
    Types: ['Unusual Behaviors/Network Flow/mirrorhunt'],
    CreatedAt: at,
    UpdatedAt: at,
    Severity: { Label: 'MEDIUM', Original: 'inconclusive' },
    Title: clip(`mirrorhunt inconclusive: ${instanceId} (investigation ${run.status.toLowerCase()})`, 256),
    Description: `The investigation ${run.incidentId} ended ${run.status} before it wrote a report: nothing decides the finding either way. The clean-up function tears down what it created; start a new investigation to capture again.`,
    ProductFields: { 'mirrorhunt/incidentId': run.incidentId, 'mirrorhunt/verdict': 'inconclusive', 'mirrorhunt/outcome': run.status.toLowerCase() },
    Resources: [{ Type: 'AwsEc2Instance', Id: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${instanceId}`, Partition: ctx.partition, Region: ctx.region }],
    ...(related ? { RelatedFindings: related } : {}),
    FindingProviderFields: { Severity: { Label: 'MEDIUM', Original: 'inconclusive' }, Types: ['Unusual Behaviors/Network Flow/mirrorhunt'], ...(related ? { RelatedFindings: related } : {}) },
    RecordState: 'ACTIVE',
  };
}
