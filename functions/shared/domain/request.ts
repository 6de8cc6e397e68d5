import * as z from 'zod';
import { parseOrThrow } from './validation';
import { FINDING_TYPE, GUARDDUTY_FINDING_ARN, type Finding } from './finding';

export const DEFAULT_CAPTURE_MINUTES = 60;
export const MAX_CAPTURE_MINUTES = 24 * 60;

const findingSummarySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  type: z.string().regex(FINDING_TYPE),
  severity: z.number().min(0).max(10),
  title: z.string().max(1024),
  arn: z.string().regex(GUARDDUTY_FINDING_ARN).optional(),
  remoteIps: z.array(z.string().max(64)).max(20),
  domains: z.array(z.string().max(253)).max(5),
});

/**
 * The input of the `investigate` state machine, from the GuardDuty trigger or typed by an
 * analyst. Exactly one of `instanceId` / `networkInterfaceId` names the target.
 */
export const investigationRequestSchema = z
  .object({
    instanceId: z.string().regex(/^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/, 'must look like i-0123456789abcdef0').optional(),
    networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8}(?:[0-9a-f]{9})?$/, 'must look like eni-0123456789abcdef0').optional(),
    captureMinutes: z.number().int().min(1).max(MAX_CAPTURE_MINUTES).default(DEFAULT_CAPTURE_MINUTES),
    reason: z.string().trim().min(1, 'say why (it goes into the report)').max(500),
    source: z.enum(['guardduty', 'manual']).default('manual'),
    finding: findingSummarySchema.optional(),
    pivotIps: z.array(z.string().max(64)).max(20).default([]),
    pivotDomains: z.array(z.string().max(253)).max(5).default([]),
  })
  .strict()
  .refine((r) => (r.instanceId === undefined) !== (r.networkInterfaceId === undefined), {
    message: 'give exactly one of instanceId or networkInterfaceId',
    path: ['instanceId'],
  });

export type InvestigationRequest = z.output<typeof investigationRequestSchema>;

export function parseInvestigationRequest(input: unknown): InvestigationRequest {
  return parseOrThrow(investigationRequestSchema, input, 'investigation input');
}

/** What the GuardDuty trigger hands the state machine. */
export function requestFromFinding(finding: Finding, captureMinutes: number): InvestigationRequest {
  return {
    instanceId: finding.instanceId,
    captureMinutes,
    reason: `GuardDuty ${finding.type} (severity ${finding.severity}): ${finding.title}`.slice(0, 500),
    source: 'guardduty',
    finding: {
      id: finding.id,
      type: finding.type,
      severity: finding.severity,
      title: finding.title.slice(0, 1024),
      ...(finding.arn ? { arn: finding.arn } : {}),
      remoteIps: finding.remoteIps,
      domains: finding.domains,
    },
    pivotIps: finding.remoteIps,
    pivotDomains: finding.domains,
  };
}
