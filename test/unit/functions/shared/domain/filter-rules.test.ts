import { eastWestFilterRules, filterRuleToken, MAX_RULES_PER_FILTER } from '../../../../../functions/shared/domain/filter-rules';
import { FilterRuleQuotaError } from '../../../../../functions/shared/errors';

describe('eastWestFilterRules', () => {
  it('rejects the VPC CIDR per direction, then accepts the rest, for one CIDR', () => {
    const rules = eastWestFilterRules({ ipv4: ['10.20.0.0/16'], ipv6: [] });
    expect(rules.map((r) => [r.direction, r.ruleNumber, r.action, r.sourceCidrBlock, r.destinationCidrBlock])).toEqual([
      ['egress', 10, 'reject', '0.0.0.0/0', '10.20.0.0/16'],
      ['egress', 11, 'accept', '0.0.0.0/0', '0.0.0.0/0'],
      ['ingress', 10, 'reject', '10.20.0.0/16', '0.0.0.0/0'],
      ['ingress', 11, 'accept', '0.0.0.0/0', '0.0.0.0/0'],
    ]);
  });

  it.each([
    [1, 4],
    [2, 6],
    [3, 8],
    [4, 10],
  ])('uses %i IPv4 CIDRs in %i rules', (count, expected) => {
    const ipv4 = Array.from({ length: count }, (_, i) => `10.${i}.0.0/16`);
    expect(eastWestFilterRules({ ipv4, ipv6: [] })).toHaveLength(expected);
  });

  it('fails clearly when five IPv4 CIDRs would need more than the 10-rule quota', () => {
    const ipv4 = Array.from({ length: 5 }, (_, i) => `10.${i}.0.0/16`);
    expect(() => eastWestFilterRules({ ipv4, ipv6: [] })).toThrow(FilterRuleQuotaError);
    expect(() => eastWestFilterRules({ ipv4, ipv6: [] })).toThrow(/12 rules but a traffic mirror filter holds at most 10/);
  });

  it('gives IPv6 CIDRs their own rejects and a ::/0 accept, within the quota', () => {
    const rules = eastWestFilterRules({ ipv4: ['10.20.0.0/16'], ipv6: ['2600:1f18:abcd:1200::/56'] });
    expect(rules.length).toBeLessThanOrEqual(MAX_RULES_PER_FILTER);
    expect(rules).toContainEqual(expect.objectContaining({ direction: 'ingress', action: 'reject', sourceCidrBlock: '2600:1f18:abcd:1200::/56', destinationCidrBlock: '::/0' }));
    expect(rules).toContainEqual(expect.objectContaining({ direction: 'egress', action: 'accept', sourceCidrBlock: '::/0', destinationCidrBlock: '::/0' }));
  });

  it('numbers rules uniquely within each direction', () => {
    const rules = eastWestFilterRules({ ipv4: ['10.0.0.0/16', '10.1.0.0/16', '100.64.0.0/16'], ipv6: [] });
    for (const direction of ['ingress', 'egress']) {
      const numbers = rules.filter((r) => r.direction === direction).map((r) => r.ruleNumber);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
  });

  it('refuses a VPC with no IPv4 CIDR', () => {
    expect(() => eastWestFilterRules({ ipv4: [], ipv6: ['2600::/56'] })).toThrow(FilterRuleQuotaError);
  });
});

describe('filterRuleToken', () => {
  it('derives a distinct token per direction and rule number, within EC2\'s 64 characters', () => {
    const filterToken = 'f'.repeat(64);
    const ingress = filterRuleToken(filterToken, { direction: 'ingress', ruleNumber: 10 });
    const egress = filterRuleToken(filterToken, { direction: 'egress', ruleNumber: 10 });
    expect(ingress).not.toBe(egress);
    expect(ingress.length).toBeLessThanOrEqual(64);
    expect(filterRuleToken(filterToken, { direction: 'ingress', ruleNumber: 10 })).toBe(ingress);
  });
});
