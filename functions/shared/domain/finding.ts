import * as z from 'zod';
import { parseOrThrow } from './validation';

const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/**
 * GuardDuty types are `ThreatPurpose:ResourceType/ThreatFamily.Variant!Artifact` in this alphabet.
 * Holding the type to it matters because a configured `Prefix.*` entry would otherwise accept
 * anything after the prefix, and the type travels on into the execution input and the report.
 */
export const FINDING_TYPE = /^[A-Za-z0-9:/._!&-]{1,256}$/;
export const GUARDDUTY_FINDING_ARN = /^arn:aws[a-z-]*:guardduty:[a-z0-9-]+:\d{12}:detector\/[A-Za-z0-9]+\/finding\/[A-Za-z0-9_-]{1,64}$/;

const remoteIpDetails = z.object({ ipAddressV4: z.string().max(64).optional() }).loose().optional();

/**
 * The parts of a GuardDuty finding (`detail`, camelCase keys) that mirrorhunt reads. Everything
 * else is allowed through untouched; only what we use is validated, so a new GuardDuty field
 * never breaks the trigger.
 */
const findingSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"'),
    type: z.string().regex(FINDING_TYPE, 'must be a GuardDuty finding type such as Backdoor:EC2/C&CActivity.B!DNS'),
    severity: z.number().min(0).max(10),
    title: z.string().max(1024).optional(),
    /** The finding's ARN: its id in Security Hub, where the verdict finding points back to it. */
    arn: z.string().regex(GUARDDUTY_FINDING_ARN, 'must be a GuardDuty finding ARN').optional(),
    accountId: z.string().max(32).optional(),
    region: z.string().max(32).optional(),
    updatedAt: z.string().max(64).optional(),
    resource: z
      .object({
        resourceType: z.string().max(64),
        instanceDetails: z
          .object({
            instanceId: z.string().regex(INSTANCE_ID, 'must look like i-0123456789abcdef0').optional(),
            instanceType: z.string().max(64).optional(),
          })
          .loose()
          .optional(),
      })
      .loose(),
    service: z
      .object({
        action: z
          .object({
            actionType: z.string().max(64).optional(),
            networkConnectionAction: z.object({ remoteIpDetails }).loose().optional(),
            portProbeAction: z
              .object({ portProbeDetails: z.array(z.object({ remoteIpDetails }).loose()).max(1000).optional() })
              .loose()
              .optional(),
            dnsRequestAction: z.object({ domain: z.string().max(1024).optional() }).loose().optional(),
          })
          .loose()
          .optional(),
        additionalInfo: z.object({ sample: z.union([z.boolean(), z.string()]).optional() }).loose().optional(),
        resourceRole: z.string().max(32).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

const envelopeSchema = z
  .object({
    source: z.literal('aws.guardduty'),
    'detail-type': z.literal('GuardDuty Finding'),
    detail: z.unknown(),
  })
  .loose();

export interface Finding {
  id: string;
  type: string;
  severity: number;
  title: string;
  arn?: string;
  isSample: boolean;
  resourceType: string;
  instanceId?: string;
  instanceType?: string;
  updatedAt?: string;
  /** The remote peers GuardDuty saw: the first hunting pivot. */
  remoteIps: string[];
  /** The queried domain of a DNS finding: the other pivot. Kept verbatim; it only ever travels as a query parameter. */
  domains: string[];
}

/** Accepts an EventBridge `GuardDuty Finding` event or a bare finding (`detail`). */
export function parseFindingEvent(event: unknown): Finding {
  const isEnvelope = typeof event === 'object' && event !== null && 'detail' in event;
  const detail = isEnvelope ? parseOrThrow(envelopeSchema, event, 'GuardDuty event').detail : event;
  const f = parseOrThrow(findingSchema, detail, 'GuardDuty finding');
  const action = f.service?.action;
  const ips = [
    action?.networkConnectionAction?.remoteIpDetails?.ipAddressV4,
    ...(action?.portProbeAction?.portProbeDetails ?? []).map((d) => d.remoteIpDetails?.ipAddressV4),
  ].filter((ip): ip is string => typeof ip === 'string' && IPV4.test(ip) && ip !== '0.0.0.0');
  const domain = action?.dnsRequestAction?.domain?.trim().replace(/\.$/, '');
  const sample = f.service?.additionalInfo?.sample;
  return {
    id: f.id,
    type: f.type,
    severity: f.severity,
    title: f.title ?? f.type,
    ...(f.arn ? { arn: f.arn } : {}),
    isSample: sample === true || sample === 'true' || (f.title ?? '').startsWith('[SAMPLE]'),
    resourceType: f.resource.resourceType,
    instanceId: f.resource.instanceDetails?.instanceId,
    instanceType: f.resource.instanceDetails?.instanceType,
    updatedAt: f.updatedAt,
    remoteIps: [...new Set(ips)].slice(0, 20),
    domains: domain ? [domain.slice(0, 253)] : [],
  };
}

export interface FindingPolicy {
  minSeverity: number;
  /** Exact finding types; an entry ending in `*` matches by prefix. */
  types: string[];
  allowSamples: boolean;
}

export type FindingDecision = { investigate: true } | { investigate: false; reason: string };

/** Is this finding worth a sensor? The EventBridge rule filters too; this guards replays and manual sends. */
export function assessFinding(finding: Finding, policy: FindingPolicy): FindingDecision {
  if (finding.resourceType !== 'Instance' || !finding.instanceId) {
    return { investigate: false, reason: `finding ${finding.id} is about a ${finding.resourceType}, not an EC2 instance` };
  }
  if (finding.isSample && !policy.allowSamples) {
    return { investigate: false, reason: `finding ${finding.id} is a GuardDuty sample finding (set ALLOW_SAMPLE_FINDINGS=true to investigate samples)` };
  }
  if (finding.severity < policy.minSeverity) {
    return { investigate: false, reason: `finding ${finding.id} has severity ${finding.severity}, below the floor of ${policy.minSeverity}` };
  }
  if (!policy.types.some((pattern) => typeMatches(pattern, finding.type))) {
    return { investigate: false, reason: `finding type ${finding.type} is not in the configured list` };
  }
  return { investigate: true };
}

export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/**
 * Step Functions keeps an execution name unique per state machine for 90 days, so naming the
 * execution after the finding id makes every re-publication of that finding land on the same
 * execution (`ExecutionAlreadyExists`) instead of a second investigation.
 */
export function executionNameForFinding(findingId: string): string {
  return `gd-${findingId}`;
}
