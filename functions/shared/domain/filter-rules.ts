import { FilterRuleQuotaError } from '../errors';

export const MAX_RULES_PER_FILTER = 10;
export const FIRST_RULE_NUMBER = 10;

export type Direction = 'ingress' | 'egress';

export interface FilterRuleSpec {
  direction: Direction;
  ruleNumber: number;
  action: 'accept' | 'reject';
  sourceCidrBlock: string;
  destinationCidrBlock: string;
  description: string;
}

export interface VpcCidrs {
  ipv4: string[];
  ipv6: string[];
}

/**
 * The east/west-dropping filter: per direction, reject traffic whose peer is inside one of the
 * VPC's CIDRs, then accept everything else. Ingress packets come *from* the peer (source CIDR),
 * egress packets go *to* it (destination CIDR). IPv6 CIDRs need their own rejects and a `::/0`
 * accept. DNS to the VPC resolver is kept visible by the filter's `amazon-dns` network service,
 * not by a rule. A filter holds 10 rules in all, so more CIDRs than fit is an error, not a
 * silently partial filter.
 */
export function eastWestFilterRules(cidrs: VpcCidrs): FilterRuleSpec[] {
  const ipv4 = unique(cidrs.ipv4);
  const ipv6 = unique(cidrs.ipv6);
  if (ipv4.length === 0) {
    throw new FilterRuleQuotaError('the VPC has no associated IPv4 CIDR, so east/west traffic cannot be told apart');
  }
  const perDirection = ipv4.length + ipv6.length + 1 + (ipv6.length > 0 ? 1 : 0);
  if (perDirection * 2 > MAX_RULES_PER_FILTER) {
    throw new FilterRuleQuotaError(
      `the VPC has ${ipv4.length} IPv4 and ${ipv6.length} IPv6 CIDRs; the east/west filter would need ` +
        `${perDirection * 2} rules but a traffic mirror filter holds at most ${MAX_RULES_PER_FILTER} ` +
        '(at most 4 IPv4 CIDRs, or fewer with IPv6)',
    );
  }
  const rules: FilterRuleSpec[] = [];
  for (const direction of ['egress', 'ingress'] as const) {
    let ruleNumber = FIRST_RULE_NUMBER;
    for (const cidr of [...ipv4, ...ipv6]) {
      const any = cidr.includes(':') ? '::/0' : '0.0.0.0/0';
      rules.push({
        direction,
        ruleNumber: ruleNumber++,
        action: 'reject',
        sourceCidrBlock: direction === 'ingress' ? cidr : any,
        destinationCidrBlock: direction === 'egress' ? cidr : any,
        description: `drop east/west ${direction === 'ingress' ? 'from' : 'to'} ${cidr}`,
      });
    }
    const catchAll = ipv6.length > 0 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'];
    for (const any of catchAll) {
      rules.push({
        direction,
        ruleNumber: ruleNumber++,
        action: 'accept',
        sourceCidrBlock: any,
        destinationCidrBlock: any,
        description: 'mirror the rest (north/south)',
      });
    }
  }
  return rules;
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v.length > 0))];
}

/**
 * Each rule's ClientToken, derived from the filter's token so a retried step re-creates no rule.
 * EC2 takes at most 64 ASCII characters.
 */
export function filterRuleToken(filterToken: string, rule: Pick<FilterRuleSpec, 'direction' | 'ruleNumber'>): string {
  return `${filterToken.slice(0, 48)}-${rule.direction}-${rule.ruleNumber}`;
}
