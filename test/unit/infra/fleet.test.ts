import { eastWestFilterRules } from '../../../functions/shared/domain/filter-rules';
import { parseSensorEnv, renderSensorUserData } from '../../../functions/shared/domain/user-data';
import { packagedTemplate, resourcesOfType, type CfnResource, type CfnTemplate } from '../../support/template';
import { conditionValue, roleStatements, type LocatedStatement } from '../../support/iam-statements';

const MANAGED = {
  fleetMode: 'managed',
  fleetVpcId: 'vpc-0aa00000000000001',
  fleetSubnetIds: 'subnet-0aa00000000000001,subnet-0aa00000000000002',
  fleetVpcCidrs: '10.40.0.0/16,100.64.0.0/20',
};
const BYO = { fleetMode: 'byo', fleetTargetId: 'tmt-0b0000000000000a1', fleetFilterId: 'tmf-0b0000000000000a1' };
const ARN = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}';

/** Evaluates a template condition the way CloudFormation would, for the intrinsics the template uses. */
function evaluate(template: CfnTemplate, expression: unknown): boolean {
  const e = expression as Record<string, unknown>;
  if (typeof e.Condition === 'string') return evaluate(template, template.Conditions![e.Condition]);
  if (Array.isArray(e['Fn::Equals'])) return e['Fn::Equals'][0] === e['Fn::Equals'][1];
  if (Array.isArray(e['Fn::Not'])) return !evaluate(template, e['Fn::Not'][0]);
  if (Array.isArray(e['Fn::Or'])) return e['Fn::Or'].some((x) => evaluate(template, x));
  if (Array.isArray(e['Fn::And'])) return e['Fn::And'].every((x) => evaluate(template, x));
  throw new Error(`cannot evaluate ${JSON.stringify(expression)}`);
}
const holds = (template: CfnTemplate, name: string) => evaluate(template, { Condition: name });

const fleetResources = (template: CfnTemplate) => Object.entries(template.Resources).filter(([id]) => id.startsWith('Fleet'));
const props = (template: CfnTemplate, id: string) => template.Resources[id]!.Properties as Record<string, unknown>;
const tagsOf = (r: CfnResource) => (r.Properties?.Tags ?? (r.Properties?.TagSpecifications as Array<{ Tags: unknown }> | undefined)?.[0]?.Tags) as Array<{ Key: string; Value: string }> | undefined;
const autoMirrorRules = (template: CfnTemplate) =>
  resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify((r.Properties!.Targets as Array<{ Arn: unknown }>)[0]!.Arn).includes('AutoMirrorLambdaFunction'));
const envOf = (template: CfnTemplate, fn: string) => (props(template, `${fn}LambdaFunction`).Environment as { Variables: Record<string, unknown> }).Variables;

describe('the managed sensor fleet (fleetMode managed)', () => {
  let template: CfnTemplate;
  beforeAll(async () => {
    template = await packagedTemplate(MANAGED);
  });

  it('turns the FleetManaged and FleetEnabled conditions on', () => {
    expect([holds(template, 'FleetManaged'), holds(template, 'FleetByo'), holds(template, 'FleetEnabled')]).toEqual([true, false, true]);
  });

  it("scopes auto-mirroring and the reconciler to the fleet's VPC when no VPC is given", () => {
    expect([envOf(template, 'AutoMirror').MIRROR_VPC_IDS, envOf(template, 'ReconcileMirrors').MIRROR_VPC_IDS]).toEqual([MANAGED.fleetVpcId, MANAGED.fleetVpcId]);
  });

  it('creates every fleet resource only under the FleetManaged condition', () => {
    // Act
    const unconditioned = fleetResources(template).filter(([, r]) => r.Condition !== 'FleetManaged');

    // Assess
    expect(fleetResources(template).length).toBeGreaterThanOrEqual(12);
    expect(unconditioned.map(([id]) => id)).toEqual([]);
  });

  it('tags every fleet resource that can carry tags mirrorhunt:managed=true', () => {
    // Act
    const untaggable = ['AWS::IAM::InstanceProfile', 'AWS::ElasticLoadBalancingV2::Listener', 'AWS::AutoScaling::ScalingPolicy', 'AWS::EC2::TrafficMirrorFilterRule'];
    const unmanaged = fleetResources(template)
      .filter(([, r]) => !untaggable.includes(r.Type))
      .filter(([, r]) => !tagsOf(r)?.some((t) => t.Key === 'mirrorhunt:managed' && t.Value === 'true'));

    // Assess
    expect(unmanaged.map(([id]) => id)).toEqual([]);
  });

  it('puts an internal network load balancer with cross-zone load balancing in the fleet subnets', () => {
    expect(props(template, 'FleetLoadBalancer')).toMatchObject({
      Type: 'network',
      Scheme: 'internal',
      Subnets: ['subnet-0aa00000000000001', 'subnet-0aa00000000000002'],
      LoadBalancerAttributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
    });
  });

  it('listens on UDP 4789 and forwards to the fleet target group', () => {
    expect(props(template, 'FleetListener')).toEqual({
      LoadBalancerArn: { Ref: 'FleetLoadBalancer' },
      Protocol: 'UDP',
      Port: 4789,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'FleetTargetGroup' } }],
    });
  });

  it("health-checks the sensors on the shipper's port 8080, not on Zeek's VXLAN port", () => {
    expect(props(template, 'FleetTargetGroup')).toMatchObject({
      Protocol: 'UDP',
      Port: 4789,
      TargetType: 'instance',
      VpcId: 'vpc-0aa00000000000001',
      HealthCheckEnabled: true,
      HealthCheckPort: '8080',
      HealthCheckProtocol: 'HTTP',
      Matcher: { HttpCode: '200' },
    });
  });

  it('boots the sensor image from the stack AMI parameter with IMDSv2 required and no public IP', () => {
    // Act
    const data = props(template, 'FleetLaunchTemplate').LaunchTemplateData as Record<string, unknown>;

    // Assess
    expect(data.ImageId).toEqual({ 'Fn::Sub': '{{resolve:ssm:${SensorAmiParameter}}}' });
    expect(data.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 });
    expect(data.NetworkInterfaces).toEqual([{ DeviceIndex: 0, AssociatePublicIpAddress: false, DeleteOnTermination: true, Groups: [{ Ref: 'FleetSecurityGroup' }] }]);
    expect(data.IamInstanceProfile).toEqual({ Arn: { 'Fn::GetAtt': ['FleetSensorInstanceProfile', 'Arn'] } });
  });

  it('gives the sensors the user data launchSensor renders, in fleet mode, writing under fleet/', () => {
    // Prepare
    const userData = (props(template, 'FleetLaunchTemplate').LaunchTemplateData as { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } }).UserData;
    const parts = userData['Fn::Base64']['Fn::Join'][1];

    // Act
    const text = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) === '{"Ref":"LogBucket"}' ? 'bucket-from-stack' : '?')).join('');

    // Assess
    expect(text).toBe(renderSensorUserData({ incidentId: 'fleet', bucket: 'bucket-from-stack', prefix: 'fleet/zeek/', vni: 0, rotateSeconds: 60, mode: 'fleet', statusPrefix: 'fleet/sensor-status/' }));
    expect(parseSensorEnv(text)).toMatchObject({ MIRRORHUNT_MODE: 'fleet', MIRRORHUNT_PREFIX: 'fleet/zeek/' });
  });

  it('lets the fleet sensor role write only under its own fleet/ prefix', () => {
    // Act
    const statements = roleStatements(template).filter((s) => s.role === 'FleetSensorRole');

    // Assess
    expect(statements.flatMap((s) => s.actions)).toEqual(['s3:PutObject']);
    expect(statements.flatMap((s) => s.resources)).toEqual(['${LogBucket.Arn}/fleet/*']);
  });

  it('scales the sensors over the fleet subnets behind the target group, replacing ones the load balancer finds unhealthy', () => {
    expect(props(template, 'FleetAutoScalingGroup')).toMatchObject({
      VPCZoneIdentifier: ['subnet-0aa00000000000001', 'subnet-0aa00000000000002'],
      LaunchTemplate: { LaunchTemplateId: { Ref: 'FleetLaunchTemplate' }, Version: { 'Fn::GetAtt': ['FleetLaunchTemplate', 'LatestVersionNumber'] } },
      TargetGroupARNs: [{ Ref: 'FleetTargetGroup' }],
      HealthCheckType: 'ELB',
    });
  });

  it('tags fleet sensor instances with a role, so auto-mirroring never mirrors them', () => {
    // Act
    const tags = props(template, 'FleetAutoScalingGroup').Tags as Array<{ Key: string; Value: string; PropagateAtLaunch: boolean }>;

    // Assess
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'mirrorhunt:managed', Value: 'true', PropagateAtLaunch: true },
        { Key: 'mirrorhunt:role', Value: 'fleet-sensor', PropagateAtLaunch: true },
      ]),
    );
  });

  it('admits only UDP 4789 and TCP 8080, only from the VPC CIDRs', () => {
    // Act
    const ingress = props(template, 'FleetSecurityGroup').SecurityGroupIngress as Array<{ IpProtocol: string; FromPort: number; ToPort: number; CidrIp?: string }>;

    // Assess
    expect(ingress.map((r) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort} ${r.CidrIp}`).sort()).toEqual([
      'tcp/8080-8080 10.40.0.0/16',
      'tcp/8080-8080 100.64.0.0/20',
      'udp/4789-4789 10.40.0.0/16',
      'udp/4789-4789 100.64.0.0/20',
    ]);
    expect(props(template, 'FleetSecurityGroup').VpcId).toBe('vpc-0aa00000000000001');
  });

  it('makes the load balancer the mirror target, once its UDP listener exists', () => {
    // Act
    const target = template.Resources.FleetMirrorTarget!;

    // Assess
    expect(target.Properties).toMatchObject({ NetworkLoadBalancerArn: { Ref: 'FleetLoadBalancer' } });
    expect([target.DependsOn].flat()).toContain('FleetListener');
  });

  it('filters with the east/west rules for the configured CIDRs and keeps Amazon DNS', () => {
    // Act
    const rules = resourcesOfType(template, 'AWS::EC2::TrafficMirrorFilterRule').map(([, r]) => r.Properties as Record<string, unknown>);

    // Assess
    expect(props(template, 'FleetMirrorFilter').NetworkServices).toEqual(['amazon-dns']);
    expect(rules.every((r) => JSON.stringify(r.TrafficMirrorFilterId) === '{"Ref":"FleetMirrorFilter"}')).toBe(true);
    const expected = eastWestFilterRules({ ipv4: ['10.40.0.0/16', '100.64.0.0/20'], ipv6: [] }).map((r) => ({
      TrafficDirection: r.direction,
      RuleNumber: r.ruleNumber,
      RuleAction: r.action,
      SourceCidrBlock: r.sourceCidrBlock,
      DestinationCidrBlock: r.destinationCidrBlock,
    }));
    expect(rules.map(({ TrafficDirection, RuleNumber, RuleAction, SourceCidrBlock, DestinationCidrBlock }) => ({ TrafficDirection, RuleNumber, RuleAction, SourceCidrBlock, DestinationCidrBlock }))).toEqual(expected);
  });

  it('hands autoMirror and reconcileMirrors the managed target and filter', () => {
    for (const fn of ['AutoMirror', 'ReconcileMirrors']) {
      expect(envOf(template, fn)).toMatchObject({
        FLEET_TARGET_ID: { 'Fn::If': ['FleetManaged', { Ref: 'FleetMirrorTarget' }, ''] },
        FLEET_FILTER_ID: { 'Fn::If': ['FleetManaged', { Ref: 'FleetMirrorFilter' }, ''] },
      });
    }
  });

  it('enables the auto-mirroring rules and the reconciler schedule', () => {
    // Act
    const states = [...autoMirrorRules(template), ['schedule', template.Resources.ReconcileMirrorsEventsRuleSchedule1!] as const].map(([, r]) => r.Properties!.State);

    // Assess
    expect(states).toEqual(['ENABLED', 'ENABLED', 'ENABLED']);
  });
});

describe('fleetMode off (the default)', () => {
  let template: CfnTemplate;
  beforeAll(async () => {
    template = await packagedTemplate();
  });

  it('creates no fleet resource and no filter rule', () => {
    // Act
    const created = fleetResources(template).filter(([, r]) => !r.Condition || holds(template, r.Condition));

    // Assess
    expect(holds(template, 'FleetEnabled')).toBe(false);
    expect(created.map(([id]) => id)).toEqual([]);
    expect(resourcesOfType(template, 'AWS::EC2::TrafficMirrorFilterRule')).toEqual([]);
  });

  it('deploys autoMirror with both of its rules disabled and the reconciler schedule disabled', () => {
    // Act
    const rules = autoMirrorRules(template);

    // Assess
    expect(rules).toHaveLength(2);
    expect(rules.map(([, r]) => r.Properties!.State)).toEqual(['DISABLED', 'DISABLED']);
    expect(template.Resources.ReconcileMirrorsEventsRuleSchedule1?.Properties?.State).toBe('DISABLED');
  });

  it('hides the fleet outputs', () => {
    const outputs = template.Outputs as Record<string, { Condition?: string }>;
    expect(holds(template, outputs.FleetMirrorTargetId!.Condition!)).toBe(false);
  });

  it('triggers autoMirror on successful RunInstances calls and on instances reaching running or stopped', () => {
    // Act
    const patterns = autoMirrorRules(template).map(([, r]) => r.Properties!.EventPattern);

    // Assess
    expect(patterns).toEqual([
      { source: ['aws.ec2'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['ec2.amazonaws.com'], eventName: ['RunInstances'] } },
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running', 'stopped'] } },
    ]);
  });

  it('sends autoMirror invocations that keep failing to its own dead-letter queue, watched by an alarm', () => {
    // Act
    const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, r]) => JSON.stringify(r.Properties!.FunctionName) === '{"Ref":"AutoMirrorLambdaFunction"}');

    // Assess
    expect(invokeConfig?.[1].Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AutoMirrorDeadLetterQueue', 'Arn'] } } } });
    expect(template.Resources.AutoMirrorDeadLetterAlarm?.Properties).toMatchObject({ Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['AutoMirrorDeadLetterQueue', 'QueueName'] } }] });
  });

  it('gives autoMirror and reconcileMirrors the scope settings config.ts reads', () => {
    const scope = ['MIRROR_VPC_IDS', 'MIRROR_SUBNET_IDS', 'MIRROR_OPT_IN_TAGS', 'MIRROR_OPT_OUT_TAGS', 'MIRROR_SCOPE_COMBINE', 'MIRROR_ENI_MODE', 'STOPPED_INSTANCE_POLICY', 'FLEET_TARGET_ID', 'FLEET_FILTER_ID'];
    expect(Object.keys(envOf(template, 'AutoMirror'))).toEqual(expect.arrayContaining(scope));
    expect(Object.keys(envOf(template, 'ReconcileMirrors'))).toEqual(expect.arrayContaining([...scope, 'RECONCILE_DRY_RUN', 'RECONCILE_MAX_ACTIONS']));
  });

  it('expires the fleet logs with the Zeek log retention', () => {
    const rules = (props(template, 'LogBucket').LifecycleConfiguration as { Rules: Array<{ Prefix?: string; ExpirationInDays?: number }> }).Rules;
    expect(rules.find((r) => r.Prefix === 'fleet/')?.ExpirationInDays).toBe(rules.find((r) => r.Prefix === 'zeek/')?.ExpirationInDays);
  });
});

describe('fleetMode byo', () => {
  let template: CfnTemplate;
  beforeAll(async () => {
    template = await packagedTemplate(BYO);
  });

  it('builds no fleet but points the functions at the given target and filter', () => {
    // Act
    const env = envOf(template, 'AutoMirror');

    // Assess
    expect([holds(template, 'FleetManaged'), holds(template, 'FleetEnabled')]).toEqual([false, true]);
    expect(env.FLEET_TARGET_ID).toEqual({ 'Fn::If': ['FleetManaged', { Ref: 'FleetMirrorTarget' }, 'tmt-0b0000000000000a1'] });
    expect(env.FLEET_FILTER_ID).toEqual({ 'Fn::If': ['FleetManaged', { Ref: 'FleetMirrorFilter' }, 'tmf-0b0000000000000a1'] });
    expect(autoMirrorRules(template).map(([, r]) => r.Properties!.State)).toEqual(['ENABLED', 'ENABLED']);
  });
});

describe('auto-mirroring roles', () => {
  let statements: LocatedStatement[];
  beforeAll(async () => {
    statements = roleStatements(await packagedTemplate()).filter((s) => s.role === 'AutoMirrorRole' || s.role === 'ReconcileMirrorsRole');
  });
  const of = (role: string, action: string) => statements.filter((s) => s.role === role && s.actions.includes(action));

  it.each(['AutoMirrorRole', 'ReconcileMirrorsRole'])('%s grants only the calls its function makes', (role) => {
    // Act
    const actions = [...new Set(statements.filter((s) => s.role === role).flatMap((s) => s.actions))].sort();

    // Assess
    const common = [
      'ec2:CreateTags',
      'ec2:CreateTrafficMirrorSession',
      'ec2:DeleteTrafficMirrorSession',
      'ec2:DescribeInstances',
      'ec2:DescribeTrafficMirrorFilters',
      'ec2:DescribeTrafficMirrorSessions',
      'ec2:DescribeTrafficMirrorTargets',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ];
    expect(actions).toEqual(role === 'AutoMirrorRole' ? [...common, 'sqs:SendMessage'].sort() : [...common, 'ec2:ModifyTrafficMirrorSession', 'sqs:SendMessage'].sort());
  });

  it.each(['AutoMirrorRole', 'ReconcileMirrorsRole'])('%s creates sessions only with our tags in the request, into our tagged target and filter', (role) => {
    // Act
    const creates = of(role, 'ec2:CreateTrafficMirrorSession');
    const byType = (type: string) => creates.filter((s) => s.resources.some((r) => r === `${ARN}:${type}/*`));

    // Assess
    expect(creates.flatMap((s) => s.resources).sort()).toEqual(['network-interface', 'traffic-mirror-filter', 'traffic-mirror-session', 'traffic-mirror-target'].map((t) => `${ARN}:${t}/*`));
    expect(conditionValue(byType('traffic-mirror-session')[0]!.statement, 'StringEquals', 'aws:RequestTag/mirrorhunt:managed')).toEqual(['true']);
    expect(conditionValue(byType('traffic-mirror-target')[0]!.statement, 'StringEquals', 'aws:ResourceTag/mirrorhunt:managed')).toEqual(['true']);
  });

  it.each(['AutoMirrorRole', 'ReconcileMirrorsRole'])('%s deletes only fleet sessions', (role) => {
    // Act
    const [deletes, ...more] = of(role, 'ec2:DeleteTrafficMirrorSession');

    // Assess
    expect(more).toEqual([]);
    expect(deletes!.resources).toEqual([`${ARN}:traffic-mirror-session/*`]);
    expect(conditionValue(deletes!.statement, 'StringEquals', 'aws:ResourceTag/mirrorhunt:managed')).toEqual(['true']);
    expect(conditionValue(deletes!.statement, 'StringEquals', 'aws:ResourceTag/mirrorhunt:role')).toEqual(['fleet-session']);
  });

  it('lets only the reconciler re-point, and only fleet sessions onto our tagged target and filter', () => {
    // Act
    const modifies = statements.filter((s) => s.actions.includes('ec2:ModifyTrafficMirrorSession'));

    // Assess
    expect(new Set(modifies.map((s) => s.role))).toEqual(new Set(['ReconcileMirrorsRole']));
    for (const s of modifies) expect(conditionValue(s.statement, 'StringEquals', 'aws:ResourceTag/mirrorhunt:managed')).toEqual(['true']);
    const session = modifies.find((s) => s.resources.includes(`${ARN}:traffic-mirror-session/*`))!;
    expect(conditionValue(session.statement, 'StringEquals', 'aws:ResourceTag/mirrorhunt:role')).toEqual(['fleet-session']);
  });

  it('never grant EC2 writes on every resource', () => {
    const broad = statements.filter((s) => s.resources.includes('*') && s.actions.some((a) => !a.startsWith('ec2:Describe')));
    expect(broad.map((s) => `${s.role}/${s.statement.Sid}`)).toEqual([]);
  });
});
