import { chooseSessionNumber, planTarget, type ExistingSession, type InstanceView } from '../../../../../functions/shared/domain/target';
import { mirroringSupport } from '../../../../../functions/shared/domain/instance-types';

function instance(overrides: Partial<InstanceView> = {}): InstanceView {
  return {
    instanceId: 'i-0a1b2c3d4e5f60718',
    instanceType: 'm5.large',
    state: 'running',
    vpcId: 'vpc-0a1b2c3d',
    subnetId: 'subnet-0a1b2c3d',
    availabilityZone: 'us-east-1a',
    tags: {},
    networkInterfaces: [
      { networkInterfaceId: 'eni-00000000000000001', interfaceType: 'interface', deviceIndex: 0, subnetId: 'subnet-0a1b2c3d', vpcId: 'vpc-0a1b2c3d', privateIps: ['10.20.1.25'], ipv6Ips: [] },
    ],
    ...overrides,
  };
}

const cidrs = { ipv4: ['10.20.0.0/16'], ipv6: [] };
const acceptAll = [{ action: 'accept' as const, sourceCidrBlock: '0.0.0.0/0', destinationCidrBlock: '0.0.0.0/0', hasPortRange: false, ruleNumber: 100 }];

function session(eni: string, sessionNumber: number, rules = acceptAll): ExistingSession {
  return { sessionId: `tms-${sessionNumber}`, networkInterfaceId: eni, sessionNumber, ingressRules: rules, egressRules: rules };
}

describe('planTarget', () => {
  it('mirrors every interface ENI of a supported, running instance, in device order, with all its IPs as hosts', () => {
    const target = instance({
      networkInterfaces: [
        { networkInterfaceId: 'eni-00000000000000002', interfaceType: 'interface', deviceIndex: 1, subnetId: 's', vpcId: 'v', privateIps: ['10.20.2.9'], ipv6Ips: [] },
        ...instance().networkInterfaces,
      ],
    });
    const plan = planTarget({ instance: target, vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: [] });
    expect(plan.mirrorable).toBe(true);
    expect(plan.enis.map((e) => e.networkInterfaceId)).toEqual(['eni-00000000000000001', 'eni-00000000000000002']);
    expect(plan.hosts).toEqual(['10.20.2.9', '10.20.1.25']);
  });

  it('ends early, launching nothing, for an instance type AWS cannot mirror', () => {
    const plan = planTarget({ instance: instance({ instanceType: 't2.micro' }), vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: [] });
    expect(plan.mirrorable).toBe(false);
    expect(plan.reason).toMatch(/t2\.micro.*previous generation/);
    expect(plan.enis).toEqual([]);
  });

  it('skips an ENI that is itself a mirror target and an EFA interface, and says why', () => {
    const target = instance({
      networkInterfaces: [
        ...instance().networkInterfaces,
        { networkInterfaceId: 'eni-00000000000000002', interfaceType: 'efa', deviceIndex: 1, subnetId: 's', vpcId: 'v', privateIps: ['10.20.2.9'], ipv6Ips: [] },
        { networkInterfaceId: 'eni-00000000000000003', interfaceType: 'interface', deviceIndex: 2, subnetId: 's', vpcId: 'v', privateIps: ['10.20.3.9'], ipv6Ips: [] },
      ],
    });
    const plan = planTarget({ instance: target, vpcCidrs: cidrs, mirrorTargetEnis: new Set(['eni-00000000000000003']), existingSessions: [] });
    expect(plan.enis.map((e) => e.networkInterfaceId)).toEqual(['eni-00000000000000001']);
    expect(plan.skipped.map((s) => [s.networkInterfaceId, s.reason])).toEqual([
      ['eni-00000000000000002', 'not-interface-type'],
      ['eni-00000000000000003', 'is-mirror-target'],
    ]);
  });

  it('reports an ENI already holding three sessions as quota-full, and the instance as not mirrorable if it was the only one', () => {
    const sessions = [1, 2, 3].map((n) => session('eni-00000000000000001', n + 10));
    const plan = planTarget({ instance: instance(), vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: sessions });
    expect(plan.mirrorable).toBe(false);
    expect(plan.skipped[0]).toMatchObject({ reason: 'quota-full' });
    expect(plan.reason).toMatch(/already has 3 mirror sessions \(numbers 11, 12, 13\)/);
  });

  it('considers only the ENI an analyst named', () => {
    const target = instance({
      networkInterfaces: [
        ...instance().networkInterfaces,
        { networkInterfaceId: 'eni-00000000000000002', interfaceType: 'interface', deviceIndex: 1, subnetId: 's', vpcId: 'v', privateIps: ['10.20.2.9'], ipv6Ips: [] },
      ],
    });
    const plan = planTarget({ instance: target, vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: [], onlyNetworkInterfaceId: 'eni-00000000000000002' });
    expect(plan.enis.map((e) => e.networkInterfaceId)).toEqual(['eni-00000000000000002']);
  });

  it('refuses a stopped instance: there is no traffic to mirror', () => {
    expect(planTarget({ instance: instance({ state: 'stopped' }), vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: [] }).reason).toMatch(/is stopped/);
  });

  it('takes at most ten sources onto one ENI target and reports the rest', () => {
    const enis = Array.from({ length: 12 }, (_, i) => ({
      networkInterfaceId: `eni-000000000000000${String(i).padStart(2, '0')}`,
      interfaceType: 'interface',
      deviceIndex: i,
      subnetId: 's',
      vpcId: 'v',
      privateIps: [`10.20.${i}.1`],
      ipv6Ips: [],
    }));
    const plan = planTarget({ instance: instance({ instanceType: 'c5n.18xlarge', networkInterfaces: enis }), vpcCidrs: cidrs, mirrorTargetEnis: new Set(), existingSessions: [] });
    expect(plan.enis).toHaveLength(10);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['target-source-limit', 'target-source-limit']);
  });
});

describe('chooseSessionNumber', () => {
  it('takes number 1 on an ENI without sessions', () => {
    expect(chooseSessionNumber([])).toEqual({ ok: true, sessionNumber: 1, warnings: [] });
  });

  it('goes ahead of an existing accept-all session numbered 10', () => {
    expect(chooseSessionNumber([session('e', 10)])).toEqual({ ok: true, sessionNumber: 1, warnings: [] });
  });

  it('refuses to sit behind an accept-all session holding number 1, since ours would receive nothing', () => {
    expect(chooseSessionNumber([session('e', 1)])).toMatchObject({ ok: false, reason: 'shadowed-by-existing-session' });
  });

  it('sits behind a narrower session at number 1 and takes the next free number', () => {
    const narrow = [{ action: 'accept' as const, sourceCidrBlock: '0.0.0.0/0', destinationCidrBlock: '0.0.0.0/0', protocol: 6, hasPortRange: true, ruleNumber: 1 }];
    expect(chooseSessionNumber([session('e', 1, narrow), session('e', 2, narrow)])).toEqual({ ok: true, sessionNumber: 3, warnings: [] });
  });

  it('warns when a session ahead takes one direction entirely', () => {
    const s: ExistingSession = { ...session('e', 1), egressRules: [] };
    const choice = chooseSessionNumber([s]);
    expect(choice).toMatchObject({ ok: true, sessionNumber: 2 });
    expect(choice.ok && choice.warnings[0]).toMatch(/inbound packets before ours/);
  });
});

describe('mirroringSupport', () => {
  it.each([
    ['m5.large', true],
    ['c6i.2xlarge', true],
    ['r6gd.xlarge', true],
    ['t3.micro', true],
    ['t2.micro', false],
    ['m3.medium', false],
    ['c5.metal', true],
    ['t3.metal', false],
    // Families the guide lists that come only as metal.
    ['mac2.metal', true],
    ['mac2-m2pro.metal', true],
    ['u-6tb1.metal', true],
    ['u-6tb1.112xlarge', true],
    ['zz9.large', false],
  ])('%s supported: %s', (type, supported) => {
    expect(mirroringSupport(type).supported).toBe(supported);
  });

  it('explains a type that is not an instance type at all', () => {
    expect(mirroringSupport('large').reason).toMatch(/not an instance type/);
  });
});
