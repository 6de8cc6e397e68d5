import findingTypes from '../../../functions/shared/domain/data/finding-types.json';
import { packagedTemplate, resourcesOfType, type CfnTemplate } from '../../support/template';
import { SpecChecker } from '../../support/spec-check';
import { HUNT_BUDGET_MS } from '../../../functions/shared/runtime';
import { FUNCTION_CONFIGS } from '../../../functions/shared/function-configs';

/** Functions serverless.yml deploys; each has functions/<key>/handler.ts and its own role. */
const FUNCTIONS = [
  'startInvestigation',
  'resolveTarget',
  'claimInstance',
  'launchSensor',
  'checkSensor',
  'startMirroring',
  'stopMirroring',
  'tearDown',
  'runHunts',
  'writeReport',
  'reportToSecurityHub',
  'cleanUpExecution',
  'sweepOrphans',
  'autoMirror',
  'reconcileMirrors',
];
const logicalId = (key: string) => key[0]!.toUpperCase() + key.slice(1);

let template: CfnTemplate;
beforeAll(async () => {
  template = await packagedTemplate();
});

function findingRule() {
  const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => {
    const pattern = r.Properties?.EventPattern as { source?: string[] } | undefined;
    return pattern?.source?.includes('aws.guardduty');
  });
  expect(rules).toHaveLength(1);
  return rules[0]![1];
}

describe('packaged CloudFormation template', () => {
  it('passes the resource schema check (types exist, required properties present, no unknown properties, references resolve)', async () => {
    // Prepare
    const checker = await SpecChecker.load();

    // Act
    const problems = checker.check(template);

    // Assess
    expect(problems).toEqual([]);
  });

  it('routes GuardDuty EC2 instance findings at or above the severity floor to startInvestigation', () => {
    // Act
    const rule = findingRule();
    const pattern = rule.Properties!.EventPattern as Record<string, unknown>;

    // Assess
    expect(pattern).toMatchObject({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { resource: { resourceType: ['Instance'] }, severity: [{ numeric: ['>=', findingTypes.minSeverity] }] },
    });
    const targets = rule.Properties!.Targets as Array<{ Arn: unknown }>;
    expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': ['StartInvestigationLambdaFunction', 'Arn'] }]);
  });

  it('lists every finding type of the data file in the rule, prefix entries as wildcards', () => {
    // Act
    const types = (findingRule().Properties!.EventPattern as { detail: { type: unknown[] } }).detail.type;

    // Assess
    const expected = findingTypes.types.map((t) => (t.endsWith('*') ? { wildcard: t } : t));
    expect(types).toEqual(expected);
  });

  it('declares the investigate state machine with its own role and error-only logging without execution data', () => {
    // Act
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');

    // Assess
    expect(machines).toHaveLength(1);
    const [, machine] = machines[0]!;
    expect(machine.Properties!.StateMachineName).toBe('mirrorhunt-dev-investigate');
    expect(machine.Properties!.RoleArn).toEqual({ 'Fn::GetAtt': ['InvestigateStateMachineRole', 'Arn'] });
    expect(machine.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });

  it('gives the state machine ARN to functions by name, not by Ref, so no dependency cycle forms', () => {
    // Act
    const readers = Object.entries(FUNCTION_CONFIGS).filter(([, spec]) => spec.env.includes('STATE_MACHINE_ARN')).map(([key]) => key);
    const arns = readers.map((key) => (template.Resources[`${logicalId(key)}LambdaFunction`]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.STATE_MACHINE_ARN);

    // Assess
    expect(readers.sort()).toEqual(['startInvestigation', 'sweepOrphans']);
    for (const arn of arns) {
      expect(arn).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:mirrorhunt-dev-investigate' });
    }
  });

  it('deploys every function on nodejs24.x arm64 with its own role and a retained log group', () => {
    for (const key of FUNCTIONS) {
      // Act
      const fn = template.Resources[`${logicalId(key)}LambdaFunction`];
      const logGroup = template.Resources[`${logicalId(key)}LogGroup`];

      // Assess
      expect(fn?.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: `functions/${key}/handler.handler`,
        Role: { 'Fn::GetAtt': [`${logicalId(key)}Role`, 'Arn'] },
      });
      expect(logGroup?.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('has exactly one Lambda role per function and no shared default role', () => {
    // Act
    const lambdaRoles = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([, r]) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'))
      .map(([id]) => id)
      .sort();

    // Assess
    expect(lambdaRoles).toEqual(FUNCTIONS.map((k) => `${logicalId(k)}Role`).sort());
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('sets each function exactly the environment its configuration reads (FUNCTION_CONFIGS)', () => {
    // Act
    const env = (key: string) => Object.keys((template.Resources[`${logicalId(key)}LambdaFunction`]!.Properties!.Environment as { Variables: object }).Variables).sort();

    // Assess
    const common = ['LOG_LEVEL', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'];
    const deployed = Object.entries(FUNCTION_CONFIGS).filter(([key]) => template.Resources[`${logicalId(key)}LambdaFunction`] !== undefined);
    expect(FUNCTIONS.filter((key) => !(key in FUNCTION_CONFIGS))).toEqual([]);
    for (const [key, spec] of deployed) expect([key, env(key)]).toEqual([key, [...common, ...spec.env].sort()]);
    expect(FUNCTION_CONFIGS.launchSensor.env).toEqual(expect.arrayContaining(['LOG_BUCKET', 'SENSOR_AMI_PARAMETER', 'MIRRORHUNT_STACK', 'SENSOR_SUBNETS']));
  });

  it('sends startInvestigation invocations that keep failing to a dead-letter queue watched by an alarm', () => {
    // Act
    const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(
      ([, r]) => JSON.stringify(r.Properties!.FunctionName) === JSON.stringify({ Ref: 'StartInvestigationLambdaFunction' }),
    );
    const alarm = template.Resources.StartInvestigationDeadLetterAlarm;

    // Assess
    expect(invokeConfig?.[1].Properties!.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': ['StartInvestigationDeadLetterQueue', 'Arn'] } } });
    expect(alarm?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('parks every event an EventBridge rule cannot deliver in a queue whose policy admits that rule', () => {
    // Act: the rules that react to events (schedules simply fire again), their targets' dead-letter
    // queues, and which rule names each queue's policy lets EventBridge send from.
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => r.Properties?.EventPattern !== undefined);
    const admitted = new Map<string, string[]>();
    for (const [, policy] of resourcesOfType(template, 'AWS::SQS::QueuePolicy')) {
      const queue = (policy.Properties!.Queues as Array<{ Ref: string }>)[0]!.Ref;
      const statements = (policy.Properties!.PolicyDocument as { Statement: Array<{ Principal?: { Service?: string }; Action: string; Condition?: { ArnEquals?: Record<string, Array<{ 'Fn::Sub': string }>> } }> }).Statement;
      for (const st of statements.filter((x) => x.Principal?.Service === 'events.amazonaws.com' && x.Action === 'sqs:SendMessage')) {
        const names = (st.Condition?.ArnEquals?.['aws:SourceArn'] ?? []).map((arn) => arn['Fn::Sub'].split(':rule/')[1]!);
        admitted.set(queue, [...(admitted.get(queue) ?? []), ...names]);
      }
    }

    // Assess
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const [id, rule] of rules) {
      const targets = rule.Properties!.Targets as Array<{ DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string, string] } }; RetryPolicy?: unknown }>;
      for (const target of targets) {
        const queue = target.DeadLetterConfig?.Arn['Fn::GetAtt'][0];
        expect({ rule: id, queue }).toEqual({ rule: id, queue: expect.stringMatching(/DeadLetterQueue$/) });
        expect(template.Resources[queue!]?.Type).toBe('AWS::SQS::Queue');
        expect({ rule: id, admitted: admitted.get(queue!) }).toEqual({ rule: id, admitted: expect.arrayContaining([rule.Properties!.Name]) });
      }
    }
  });

  it("gives runHunts a Lambda timeout that leaves a minute after the Athena time budget", () => {
    const fn = template.Resources.RunHuntsLambdaFunction?.Properties as { Timeout: number };
    expect(fn.Timeout * 1000).toBeGreaterThanOrEqual(HUNT_BUDGET_MS + 60_000);
  });

  it('publishes the sensor AMI id as an SSM parameter with a placeholder default', () => {
    expect(template.Resources.SensorAmiParameter?.Properties).toMatchObject({ Name: '/mirrorhunt/dev/sensor-ami-id', Type: 'String', Value: 'ami-00000000000000000' });
  });

  it('encrypts the notify topic with the AWS managed SNS key', () => {
    expect(template.Resources.NotifyTopic?.Properties?.KmsMasterKeyId).toBe('alias/aws/sns');
  });
});
