import { packagedTemplate, type CfnTemplate } from '../../support/template';
import { conditionValue, renderResource, roleStatements, type LocatedStatement } from './iam-statements';

const MANAGED = 'aws:ResourceTag/mirrorhunt:managed';
const REQUEST_MANAGED = 'aws:RequestTag/mirrorhunt:managed';
const DESTRUCTIVE = ['ec2:DeleteTrafficMirrorSession', 'ec2:DeleteTrafficMirrorTarget', 'ec2:DeleteTrafficMirrorFilter', 'ec2:TerminateInstances', 'ec2:DeleteSecurityGroup'];
const TAG_SHAPED = ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifyTrafficMirrorFilterNetworkServices'];

let template: CfnTemplate;
let statements: LocatedStatement[];
beforeAll(async () => {
  template = await packagedTemplate();
  statements = roleStatements(template);
});

const allows = (action: string) => statements.filter((s) => s.statement.Effect === 'Allow' && s.actions.includes(action));
const ec2Type = (resource: string) => /:ec2:.*:([a-z-]+)\/\*$/.exec(resource)?.[1];

describe('IAM policies', () => {
  it('never grant a wildcard action or ec2:*', () => {
    // Act
    const wildcards = statements.filter((s) => s.actions.some((a) => a === '*' || a.endsWith(':*') || a === 'ec2:*'));

    // Assess
    expect(wildcards.map((s) => `${s.role}/${s.statement.Sid}`)).toEqual([]);
  });

  it('only allow destructive EC2 actions on resources tagged mirrorhunt:managed=true', () => {
    for (const action of [...DESTRUCTIVE, ...TAG_SHAPED]) {
      for (const s of allows(action)) {
        // filter-rule resources cannot carry our tag; they only exist inside a (tag-guarded) filter.
        if (s.resources.every((r) => ec2Type(r) === 'traffic-mirror-filter-rule')) continue;
        expect({ where: `${s.role}/${s.statement.Sid}`, values: conditionValue(s.statement, 'StringEquals', MANAGED) }).toEqual({
          where: `${s.role}/${s.statement.Sid}`,
          values: ['true'],
        });
      }
    }
    expect(allows('ec2:TerminateInstances').length).toBeGreaterThan(0);
  });

  it('only allow creating instances, volumes, interfaces, security groups and mirror resources with the managed tag in the request', () => {
    const created = new Set(['instance', 'volume', 'network-interface', 'security-group', 'traffic-mirror-target', 'traffic-mirror-filter', 'traffic-mirror-session']);
    const creates = ['ec2:RunInstances', 'ec2:CreateSecurityGroup', 'ec2:CreateTrafficMirrorTarget', 'ec2:CreateTrafficMirrorFilter', 'ec2:CreateTrafficMirrorSession'];
    const ownResource: Record<string, string[]> = {
      'ec2:RunInstances': ['instance', 'volume', 'network-interface'],
      'ec2:CreateSecurityGroup': ['security-group'],
      'ec2:CreateTrafficMirrorTarget': ['traffic-mirror-target'],
      'ec2:CreateTrafficMirrorFilter': ['traffic-mirror-filter'],
      'ec2:CreateTrafficMirrorSession': ['traffic-mirror-session'],
    };
    for (const action of creates) {
      // Act
      const statementsForNew = allows(action).filter((s) => s.resources.some((r) => ownResource[action]!.includes(ec2Type(r) ?? '')));

      // Assess
      expect(statementsForNew.length).toBeGreaterThan(0);
      for (const s of statementsForNew) {
        const newTypes = s.resources.map(ec2Type).filter((t) => t && ownResource[action]!.includes(t));
        expect(newTypes.every((t) => created.has(t!))).toBe(true);
        expect(conditionValue(s.statement, 'StringEquals', REQUEST_MANAGED)).toEqual(['true']);
      }
    }
  });

  it('only allow CreateTags as part of our own create calls', () => {
    for (const s of allows('ec2:CreateTags')) {
      expect(conditionValue(s.statement, 'StringEquals', 'ec2:CreateAction').length).toBeGreaterThan(0);
    }
    expect(allows('ec2:CreateTags').length).toBeGreaterThan(0);
  });

  it('grant CreateTrafficMirrorSession on exactly the session, target, filter and network-interface resource types', () => {
    // Act
    const types = allows('ec2:CreateTrafficMirrorSession').flatMap((s) => s.resources.map(ec2Type));

    // Assess
    expect([...new Set(types)].sort()).toEqual(['network-interface', 'traffic-mirror-filter', 'traffic-mirror-session', 'traffic-mirror-target']);
  });

  it('let a session use only our tagged target and filter', () => {
    const ours = allows('ec2:CreateTrafficMirrorSession').filter((s) => s.resources.some((r) => ['traffic-mirror-target', 'traffic-mirror-filter'].includes(ec2Type(r) ?? '')));
    for (const s of ours) expect(conditionValue(s.statement, 'StringEquals', MANAGED)).toEqual(['true']);
    expect(ours.length).toBeGreaterThan(0);
  });

  it('allow passing only the sensor role, and only to EC2', () => {
    // Act
    const passRole = allows('iam:PassRole');

    // Assess
    expect(passRole.map((s) => s.role)).toEqual(['LaunchSensorRole']);
    expect(passRole[0]!.resources).toEqual(['GetAtt:SensorRole.Arn']);
    expect(conditionValue(passRole[0]!.statement, 'StringEquals', 'iam:PassedToService')).toEqual(['ec2.amazonaws.com']);
  });

  it('let the state machine invoke only our functions and publish only to our topic', () => {
    // Act
    const machine = statements.filter((s) => s.role === 'InvestigateStateMachineRole' && !s.actions.every((a) => a.startsWith('logs:')));

    // Assess
    const invoke = machine.filter((s) => s.actions.includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((s) => s.resources).every((r) => /^GetAtt:[A-Za-z]+LambdaFunction\.Arn$/.test(r))).toBe(true);
    const invoked = invoke.flatMap((s) => s.resources).map((r) => r.slice('GetAtt:'.length, -'LambdaFunction.Arn'.length));
    for (const fn of invoked) expect(template.Resources[`${fn}LambdaFunction`]?.Type).toBe('AWS::Lambda::Function');
    expect(machine.flatMap((s) => s.actions).sort()).toEqual(['lambda:InvokeFunction', 'sns:Publish']);
    expect(machine.find((s) => s.actions.includes('sns:Publish'))!.resources).toEqual(['Ref:NotifyTopic']);
  });

  it('let the state machine invoke every function its definition calls', () => {
    // Prepare
    const definition = JSON.stringify(template.Resources.InvestigateStateMachine!.Properties!.DefinitionString);
    const called = [...definition.matchAll(/([A-Z][A-Za-z]+)LambdaFunction/g)].map((m) => m[1]);

    // Act
    const invokable = allows('lambda:InvokeFunction').filter((s) => s.role === 'InvestigateStateMachineRole').flatMap((s) => s.resources);

    // Assess
    expect(called.length).toBeGreaterThan(0);
    for (const fn of new Set(called)) expect(invokable).toContain(`GetAtt:${fn}LambdaFunction.Arn`);
  });

  it('let the sensor write only its logs and status markers in the log bucket', () => {
    // Act
    const sensor = statements.filter((s) => s.role === 'SensorRole');

    // Assess
    expect(sensor.flatMap((s) => s.actions)).toEqual(['s3:PutObject']);
    expect(sensor.flatMap((s) => s.resources).sort()).toEqual(['${LogBucket.Arn}/sensor-status/*', '${LogBucket.Arn}/zeek/*']);
  });

  it('scope the log permissions of every function role to the log group of that function', () => {
    const logStatements = statements.filter((s) => s.actions.includes('logs:PutLogEvents'));
    for (const s of logStatements) {
      const key = s.role.replace(/Role$/, '');
      const fnKey = key[0]!.toLowerCase() + key.slice(1);
      expect(s.resources).toEqual([`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/mirrorhunt-dev-${fnKey}:*`]);
    }
    expect(logStatements.length).toBe(12);
  });

  it('use Resource "*" only for Describe and log-delivery calls that IAM cannot scope', () => {
    const unscoped = statements.filter((s) => s.resources.includes('*'));
    for (const s of unscoped) {
      expect(s.actions.every((a) => /^ec2:Describe/.test(a) || /^logs:(\w+LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/.test(a))).toBe(true);
    }
  });

  it('scope runHunts to the mirrorhunt Athena workgroup and Glue database', () => {
    // Act
    const runHunts = statements.filter((s) => s.role === 'RunHuntsRole');
    const athena = runHunts.filter((s) => s.actions.some((a) => a.startsWith('athena:'))).flatMap((s) => s.resources);
    const glue = runHunts.filter((s) => s.actions.some((a) => a.startsWith('glue:'))).flatMap((s) => s.resources);

    // Assess
    expect(athena).toEqual(['arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${HuntWorkGroup}']);
    expect(glue.map((r) => r.split(':glue:${AWS::Region}:${AWS::AccountId}:')[1]).sort()).toEqual(['catalog', 'database/${ZeekDatabase}', 'table/${ZeekDatabase}/*']);
    expect(template.Resources.HuntWorkGroup?.Type).toBe('AWS::Athena::WorkGroup');
    expect(template.Resources.ZeekDatabase?.Type).toBe('AWS::Glue::Database');
  });

  it('render every resource of every statement to something scoped', () => {
    const unrenderable = statements.flatMap((s) => (Array.isArray(s.statement.Resource) ? s.statement.Resource : [s.statement.Resource])).map(renderResource).filter((r) => r.startsWith('{'));
    expect(unrenderable).toEqual([]);
  });
});
