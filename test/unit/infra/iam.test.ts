import { packagedTemplate, resourcesOfType, type CfnTemplate } from '../../support/template';
import { asList, conditionValue, grants, renderResource, roleStatements, type LocatedStatement } from '../../support/iam-statements';

const MANAGED = 'aws:ResourceTag/mirrorhunt:managed';
const REQUEST_MANAGED = 'aws:RequestTag/mirrorhunt:managed';
const STACK = 'aws:ResourceTag/mirrorhunt:stack';
const REQUEST_STACK = 'aws:RequestTag/mirrorhunt:stack';
/** The stack tag of the packaged (dev) stage: serverless' `<service>-<stage>`. */
const THIS_STACK = 'mirrorhunt-dev';
/** Deleting things: only what carries our managed tag. */
const DESTRUCTIVE = [
  'ec2:TerminateInstances',
  'ec2:DeleteTrafficMirrorSession',
  'ec2:DeleteTrafficMirrorTarget',
  'ec2:DeleteTrafficMirrorFilter',
  'ec2:DeleteTrafficMirrorFilterRule',
  'ec2:DeleteSecurityGroup',
];
/** Changing things in place: the same rule. */
const TAG_SHAPED = [
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:ModifyTrafficMirrorFilterNetworkServices',
  'ec2:CreateTrafficMirrorFilterRule',
  'ec2:ModifyTrafficMirrorFilterRule',
  'ec2:ModifyTrafficMirrorSession',
];
/** Creates, and the resource types each one brings into being (which must carry our tag in the request). */
const CREATES: Record<string, string[]> = {
  'ec2:RunInstances': ['instance', 'volume', 'network-interface'],
  'ec2:CreateSecurityGroup': ['security-group'],
  'ec2:CreateTrafficMirrorTarget': ['traffic-mirror-target'],
  'ec2:CreateTrafficMirrorFilter': ['traffic-mirror-filter'],
  'ec2:CreateTrafficMirrorSession': ['traffic-mirror-session'],
};
/** AWS managed policies a role may carry, by role kind; anything else needs a review here first. */
const MANAGED_POLICIES = ['service-role/AWSLambdaENIManagementAccess', 'AmazonSSMManagedInstanceCore', 'EC2InstanceProfileForImageBuilder', 'EC2ImageBuilderExecutionPolicy'];

let template: CfnTemplate;
let statements: LocatedStatement[];
beforeAll(async () => {
  template = await packagedTemplate();
  statements = roleStatements(template);
});

const allowStatements = () => statements.filter((s) => s.statement.Effect === 'Allow');
/** Statements allowing `action`, also through a wildcard such as `ec2:Delete*`. */
const allows = (action: string) => allowStatements().filter((s) => grants(s, action));
/** The EC2 resource type of an ARN (`instance` in `...:instance/*`); undefined when it names no type (`*`, `...:*`). */
const ec2Type = (resource: string) => (resource.includes(':ec2:') ? /:([a-z-]+)\/[^:]*$/.exec(resource)?.[1] : undefined);
const where = (s: LocatedStatement) => `${s.role}/${s.statement.Sid ?? '(no Sid)'}`;
const getAttTarget = (value: unknown): string | undefined => {
  const att = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(att) && att[1] === 'Arn' ? String(att[0]) : undefined;
};
const trustedServices = (roleId: string): string[] =>
  asList((template.Resources[roleId]?.Properties?.AssumeRolePolicyDocument as { Statement: Array<{ Principal?: { Service?: string | string[] } }> }).Statement).flatMap((st) => asList(st.Principal?.Service));

describe('IAM policies', () => {
  it('never allow a wildcard action (`*`, `ec2:*`, `ec2:Delete*`, ...) or NotAction / NotResource', () => {
    // Act
    const wildcards = allowStatements().filter((s) => s.actions.some((a) => /[*?]/.test(a)));
    const negated = allowStatements().filter((s) => 'NotAction' in s.statement || 'NotResource' in s.statement);

    // Assess
    expect(allowStatements().length).toBeGreaterThan(20);
    expect(wildcards.map(where)).toEqual([]);
    expect(negated.map(where)).toEqual([]);
  });

  it("only allow destructive or reshaping EC2 actions on resources tagged mirrorhunt:managed=true and this stage's mirrorhunt:stack", () => {
    const unguarded: string[] = [];
    for (const action of [...DESTRUCTIVE, ...TAG_SHAPED]) {
      for (const s of allows(action)) {
        // Filter rules cannot carry tags; they only exist inside a (tag-guarded) filter.
        if (s.resources.length > 0 && s.resources.every((r) => ec2Type(r) === 'traffic-mirror-filter-rule')) continue;
        if (JSON.stringify(conditionValue(s.statement, 'StringEquals', MANAGED)) !== '["true"]') unguarded.push(`${where(s)} allows ${action}`);
        if (JSON.stringify(conditionValue(s.statement, 'StringEquals', STACK)) !== JSON.stringify([THIS_STACK])) unguarded.push(`${where(s)} allows ${action} on any stage's resources`);
      }
    }
    expect(unguarded).toEqual([]);
    expect(allows('ec2:TerminateInstances').length).toBeGreaterThan(0);
  });

  it('only allow creating instances, volumes, interfaces, security groups and mirror resources with the managed tag in the request', () => {
    for (const [action, created] of Object.entries(CREATES)) {
      // Act
      const forNew = allows(action).filter((s) => s.resources.some((r) => created.includes(ec2Type(r) ?? '') || ec2Type(r) === undefined));

      // Assess: a statement that covers what the call creates (or any resource at all) needs the tag.
      expect({ action, tagged: forNew.length > 0 }).toEqual({ action, tagged: true });
      for (const s of forNew) {
        expect({ where: where(s), values: conditionValue(s.statement, 'StringEquals', REQUEST_MANAGED) }).toEqual({ where: where(s), values: ['true'] });
        expect({ where: where(s), stack: conditionValue(s.statement, 'StringEquals', REQUEST_STACK) }).toEqual({ where: where(s), stack: [THIS_STACK] });
      }
    }
  });

  it('keep the grants a create needs on existing resources (subnet, image, source interface, ...) in statements with no write power of their own', () => {
    const creates = Object.keys(CREATES);
    for (const s of allowStatements().filter((st) => creates.some((a) => grants(st, a)))) {
      if (JSON.stringify(conditionValue(s.statement, 'StringEquals', REQUEST_MANAGED)) === '["true"]') continue;
      // Act
      const types = s.resources.map(ec2Type);

      // Assess: only create actions, none of them on a type it creates, and every resource typed.
      expect({ where: where(s), untyped: s.resources.filter((r) => ec2Type(r) === undefined) }).toEqual({ where: where(s), untyped: [] });
      expect({ where: where(s), others: s.actions.filter((a) => !creates.includes(a)) }).toEqual({ where: where(s), others: [] });
      for (const action of s.actions) expect({ where: where(s), action, creates: types.filter((t) => CREATES[action]!.includes(t ?? '')) }).toEqual({ where: where(s), action, creates: [] });
    }
  });

  it('only allow CreateTags as part of our own create calls', () => {
    for (const s of allows('ec2:CreateTags')) {
      expect({ where: where(s), createActions: conditionValue(s.statement, 'StringEquals', 'ec2:CreateAction').length > 0 }).toEqual({ where: where(s), createActions: true });
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
    for (const s of ours) {
      expect(conditionValue(s.statement, 'StringEquals', MANAGED)).toEqual(['true']);
      expect(conditionValue(s.statement, 'StringEquals', STACK)).toEqual([THIS_STACK]);
    }
    expect(ours.length).toBeGreaterThan(0);
  });

  it('allow passing only the sensor role, and only to EC2', () => {
    // Act
    const passRole = allows('iam:PassRole');

    // Assess
    expect(passRole.map((s) => s.role)).toEqual(['LaunchSensorRole']);
    for (const s of passRole) {
      expect({ where: where(s), resources: s.resources }).toEqual({ where: where(s), resources: ['GetAtt:SensorRole.Arn'] });
      expect({ where: where(s), service: conditionValue(s.statement, 'StringEquals', 'iam:PassedToService') }).toEqual({ where: where(s), service: ['ec2.amazonaws.com'] });
    }
  });

  it('give every function a role of its own, trusted only by Lambda and used by nothing else', () => {
    // Prepare
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const roles = functions.map(([, f]) => getAttTarget(f.Properties?.Role));

    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(10);
    expect(roles.filter((r) => !r || template.Resources[r]?.Type !== 'AWS::IAM::Role')).toEqual([]);
    expect(new Set(roles).size).toBe(functions.length);
    for (const role of roles as string[]) {
      expect({ role, trusted: trustedServices(role) }).toEqual({ role, trusted: ['lambda.amazonaws.com'] });
      const users = Object.entries(template.Resources)
        .filter(([id, r]) => id !== role && r.Type !== 'AWS::Lambda::Function' && r.Type !== 'AWS::IAM::Policy')
        .filter(([, r]) => JSON.stringify(r.Properties ?? {}).includes(`{"Ref":"${role}"}`) || JSON.stringify(r.Properties ?? {}).includes(`["${role}","Arn"]`))
        .map(([id]) => id);
      expect({ role, users }).toEqual({ role, users: [] });
    }
  });

  it('let every state machine role invoke only functions of this stack', () => {
    // Prepare
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    const machineRoles = machines.map(([, m]) => getAttTarget(m.Properties?.RoleArn));
    const ourFunction = (resource: string) => {
      const fn = /^GetAtt:([A-Za-z0-9]+)\.Arn$/.exec(resource)?.[1] ?? /^\$\{([A-Za-z0-9]+)\.Arn\}(?::\*)?$/.exec(resource)?.[1];
      return !!fn && template.Resources[fn]?.Type === 'AWS::Lambda::Function';
    };

    // Assess
    expect(machines.length).toBeGreaterThan(0);
    for (const role of machineRoles) {
      expect({ role, trusted: role ? trustedServices(role) : [] }).toEqual({ role, trusted: ['states.amazonaws.com'] });
      const invoke = allowStatements().filter((s) => s.role === role && grants(s, 'lambda:InvokeFunction'));
      expect(invoke.length).toBeGreaterThan(0);
    }
    // Any role at all that may invoke a function may invoke only ours.
    for (const s of allows('lambda:InvokeFunction')) expect({ where: where(s), foreign: s.resources.filter((r) => !ourFunction(r)) }).toEqual({ where: where(s), foreign: [] });
  });

  it('attach only reviewed AWS managed policies', () => {
    // Act
    const attached = resourcesOfType(template, 'AWS::IAM::Role').flatMap(([id, r]) =>
      [...JSON.stringify(r.Properties?.ManagedPolicyArns ?? []).matchAll(/policy\/([A-Za-z0-9/_+=,.@-]+)/g)].map((m) => ({ role: id, policy: m[1]! })),
    );

    // Assess
    expect(attached.filter((a) => !MANAGED_POLICIES.includes(a.policy))).toEqual([]);
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
    expect(logStatements.length).toBe(15);
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
