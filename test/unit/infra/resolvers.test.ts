import findingTypes from '../../../functions/shared/domain/data/finding-types.json';

// The resolver is plain CommonJS so serverless can load it at package time without a TS loader.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildPattern, parseTypes } = require('../../../infra/resolvers.js') as {
  buildPattern: (minSeverity: unknown, types: string[]) => { detail: { severity: unknown; type: unknown[] } };
  parseTypes: (raw: unknown) => string[];
};

describe('finding pattern resolver', () => {
  it('uses the finding-type data file when no override is given', () => {
    // Prepare / Act
    const types = parseTypes('');

    // Assess
    expect(types).toEqual(findingTypes.types);
  });

  it('turns entries ending in * into EventBridge wildcard matchers and keeps exact names as strings', () => {
    // Act
    const pattern = buildPattern(4, ['Backdoor:EC2/DenialOfService.*', 'Recon:EC2/Portscan']);

    // Assess
    expect(pattern.detail.type).toEqual([{ wildcard: 'Backdoor:EC2/DenialOfService.*' }, 'Recon:EC2/Portscan']);
  });

  it('reads a comma list override and trims it', () => {
    expect(parseTypes(' Recon:EC2/Portscan , Trojan:EC2/DropPoint ,')).toEqual(['Recon:EC2/Portscan', 'Trojan:EC2/DropPoint']);
  });

  it('matches severity numerically from the floor given as a param string', () => {
    expect(buildPattern('7', ['Recon:EC2/Portscan']).detail.severity).toEqual([{ numeric: ['>=', 7] }]);
  });

  it('refuses a severity floor outside 0..10 instead of deploying a rule that never fires', () => {
    expect(() => buildPattern('11', ['Recon:EC2/Portscan'])).toThrow(/minSeverity/);
  });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fleet = require('../../../infra/resolvers.js') as {
  fleetSettings: (raw: Record<string, string>) => { mode: string; subnetIds: string[]; cidrs: { ipv4: string[]; ipv6: string[] } };
  fleetFilterRuleResources: (settings: unknown) => Record<string, { Properties: Record<string, unknown> }>;
  fleetIngressRules: (settings: unknown) => Array<Record<string, unknown>>;
  mirrorVpcIdsFor: (settings: unknown, raw: string) => string;
};
const managed = { fleetMode: 'managed', fleetVpcId: 'vpc-0aa00000000000001', fleetSubnetIds: 'subnet-0aa00000000000001', fleetVpcCidrs: '10.40.0.0/16' };

describe('fleet resolvers', () => {
  it("scope a managed fleet's auto-mirroring to the fleet's VPC by default: other VPCs' traffic could not reach its sensors", () => {
    expect(fleet.mirrorVpcIdsFor(fleet.fleetSettings(managed), '')).toBe('vpc-0aa00000000000001');
  });

  it('refuse, at package time, a mirrorVpcIds reaching outside the managed fleet\'s VPC, naming the VPC', () => {
    expect(() => fleet.mirrorVpcIdsFor(fleet.fleetSettings(managed), 'vpc-0aa00000000000001,vpc-0bb00000000000002')).toThrow(/vpc-0bb00000000000002, outside the managed fleet's VPC vpc-0aa00000000000001/);
  });

  it('leave mirrorVpcIds as given for a byo fleet (its reach is the owner\'s to know)', () => {
    const byo = fleet.fleetSettings({ fleetMode: 'byo', fleetTargetId: 'tmt-0b0000000000000a1', fleetFilterId: 'tmf-0b0000000000000a1' });
    expect(fleet.mirrorVpcIdsFor(byo, 'vpc-0bb00000000000002, vpc-0cc00000000000003')).toBe('vpc-0bb00000000000002,vpc-0cc00000000000003');
    expect(fleet.mirrorVpcIdsFor(byo, '')).toBe('');
  });

  it('treat an empty fleetMode as off', () => {
    expect(fleet.fleetSettings({ fleetMode: '' }).mode).toBe('off');
  });

  it('refuse a fleetMode they do not know instead of deploying no fleet silently', () => {
    expect(() => fleet.fleetSettings({ fleetMode: 'manged' })).toThrow(/fleetMode must be one of off, managed, byo/);
  });

  it('refuse managed mode without subnets', () => {
    expect(() => fleet.fleetSettings({ ...managed, fleetSubnetIds: '' })).toThrow(/fleetSubnetIds/);
  });

  it('refuse managed mode without the VPC CIDRs the filter needs', () => {
    expect(() => fleet.fleetSettings({ ...managed, fleetVpcCidrs: '' })).toThrow(/fleetVpcCidrs/);
  });

  it('refuse a CIDR that is not one', () => {
    expect(() => fleet.fleetSettings({ ...managed, fleetVpcCidrs: '10.40.0.0/33' })).toThrow(/not an IPv4 or IPv6 CIDR/);
  });

  it('refuse byo mode without a traffic mirror target id', () => {
    expect(() => fleet.fleetSettings({ fleetMode: 'byo', fleetTargetId: 'eni-0aa00000000000001', fleetFilterId: 'tmf-0aa00000000000001' })).toThrow(/fleetTargetId/);
  });

  it('refuse more VPC CIDRs than one filter can hold rules for', () => {
    // Prepare
    const settings = fleet.fleetSettings({ ...managed, fleetVpcCidrs: '10.0.0.0/16,10.1.0.0/16,10.2.0.0/16,10.3.0.0/16,10.4.0.0/16' });

    // Act / Assess
    expect(() => fleet.fleetFilterRuleResources(settings)).toThrow(/at most 10/);
  });

  it('add IPv6 rules and a ::/0 accept for an IPv6 CIDR', () => {
    // Prepare
    const settings = fleet.fleetSettings({ ...managed, fleetVpcCidrs: '10.40.0.0/16,2600:1f18:abcd:1200::/56' });

    // Act
    const rules = Object.values(fleet.fleetFilterRuleResources(settings)).map((r) => r.Properties);
    const ingress = fleet.fleetIngressRules(settings);

    // Assess
    expect(rules.filter((r) => r.TrafficDirection === 'ingress').map((r) => `${r.RuleAction} ${r.SourceCidrBlock}`)).toEqual([
      'reject 10.40.0.0/16',
      'reject 2600:1f18:abcd:1200::/56',
      'accept 0.0.0.0/0',
      'accept ::/0',
    ]);
    expect(ingress.filter((r) => r.CidrIpv6 === '2600:1f18:abcd:1200::/56').map((r) => r.FromPort)).toEqual([4789, 8080]);
  });

  it('make no filter rules when the fleet is not managed here', () => {
    expect(fleet.fleetFilterRuleResources(fleet.fleetSettings({ fleetMode: 'byo', fleetTargetId: 'tmt-0aa00000000000001', fleetFilterId: 'tmf-0aa00000000000001' }))).toEqual({});
  });
});
