import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { manualExecutionName, startCommand } from '../../../../bin/commands/start';

const sfnMock = mockClient(SFNClient);
const cfnMock = mockClient(CloudFormationClient);
const prodArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mirrorhunt-prod-investigate';
const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

beforeEach(() => {
  sfnMock.reset();
  cfnMock.reset();
});

describe('mirrorhunt start', () => {
  it('starts an execution with the validated request and a manual-<time> name', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${arn}:x` });
    const { io, out } = capture();
    const code = await startCommand(['--instance', 'i-0123456789abcdef0', '--minutes', '15', '--reason', 'beaconing', '--state-machine-arn', arn], io, {
      sfn: new SFNClient({ region: 'us-east-1' }),
      now: () => new Date('2026-11-24T08:30:00.123Z'),
    });
    expect(code).toBe(0);
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.name).toMatch(/^manual-20261124T083000Z-[0-9a-f]{6}$/);
    expect(JSON.parse(call?.input ?? '{}')).toEqual({ instanceId: 'i-0123456789abcdef0', captureMinutes: 15, reason: 'beaconing', source: 'manual', pivotIps: [], pivotDomains: [] });
    expect(out.join('')).toMatch(/^started /);
  });

  it('refuses a malformed instance id with exit code 2 and starts nothing', async () => {
    const { io, err } = capture();
    const code = await startCommand(['--instance', 'web-1', '--reason', 'x', '--state-machine-arn', arn], io, { sfn: new SFNClient({ region: 'us-east-1' }) });
    expect(code).toBe(2);
    expect(err.join('')).toBe("mirrorhunt start: --instance must look like i-0123456789abcdef0 (see 'mirrorhunt start --help')\n");
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('refuses to guess the state machine', async () => {
    const { io, err } = capture();
    expect(await startCommand(['--instance', 'i-0123456789abcdef0', '--reason', 'x'], io, { env: {} })).toBe(2);
    expect(err.join('')).toMatch(/state-machine-arn/);
  });

  it('prints the request without sending it in --dry-run', async () => {
    const { io, out } = capture();
    expect(await startCommand(['--eni', 'eni-0123456789abcdef0', '--reason', 'x', '--state-machine-arn', arn, '--dry-run'], io, { sfn: new SFNClient({ region: 'us-east-1' }) })).toBe(0);
    expect(JSON.parse(out.join('')).input).toMatchObject({ networkInterfaceId: 'eni-0123456789abcdef0', captureMinutes: 60 });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('builds execution names Step Functions accepts', () => {
    expect(manualExecutionName(new Date('2026-01-02T03:04:05.678Z'), 'abcdef')).toBe('manual-20260102T030405Z-abcdef');
  });
});

describe('mirrorhunt start --stage', () => {
  const request = ['--instance', 'i-0123456789abcdef0', '--reason', 'beaconing'];

  it("starts the state machine named by the stack mirrorhunt-<stage>'s InvestigateStateMachineArn output, in --region", async () => {
    // Prepare: DescribeStacks as the CloudFormation API reference shows it (Stacks[].Outputs[].OutputKey/OutputValue).
    cfnMock.on(DescribeStacksCommand, { StackName: 'mirrorhunt-prod' }).resolves({
      Stacks: [{ StackName: 'mirrorhunt-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date('2026-11-01T00:00:00Z'), Outputs: [{ OutputKey: 'LogBucketName', OutputValue: 'bucket' }, { OutputKey: 'InvestigateStateMachineArn', OutputValue: prodArn }] }],
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${prodArn}:x` });
    const { io, out } = capture();
    // Act
    const code = await startCommand([...request, '--stage', 'prod', '--region', 'eu-west-1'], io, { cfn: new CloudFormationClient({ region: 'eu-west-1' }), sfn: new SFNClient({ region: 'eu-west-1' }), env: {} });
    // Assess
    expect(code).toBe(0);
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'mirrorhunt-prod' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: prodArn });
    expect(out.join('')).toBe(`started ${prodArn}:x\n`);
  });

  it('names the stack and region in one line when the stack does not exist, and starts nothing', async () => {
    // Prepare: CloudFormation answers a missing stack with ValidationError "Stack with id ... does not exist".
    cfnMock.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', $metadata: {}, message: 'Stack with id mirrorhunt-prd does not exist' }));
    const { io, err } = capture();
    // Act
    const code = await startCommand([...request, '--stage', 'prd', '--region', 'eu-west-1'], io, { cfn: new CloudFormationClient({ region: 'eu-west-1' }), sfn: new SFNClient({ region: 'eu-west-1' }), env: {} });
    // Assess
    expect(code).toBe(1);
    expect(err.join('')).toBe("mirrorhunt start: no stack mirrorhunt-prd in eu-west-1 (deployed with 'serverless deploy --stage prd --region eu-west-1'?)\n");
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('says so when the stack has no state machine output', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'mirrorhunt-prod', StackStatus: 'CREATE_IN_PROGRESS', CreationTime: new Date(), Outputs: [] }] });
    const { io, err } = capture();
    expect(await startCommand([...request, '--stage', 'prod', '--region', 'eu-west-1'], io, { cfn: new CloudFormationClient({ region: 'eu-west-1' }), env: {} })).toBe(1);
    expect(err.join('')).toMatch(/^mirrorhunt start: stack mirrorhunt-prod in eu-west-1 has no InvestigateStateMachineArn output/);
  });

  it('refuses a stage given as a stack name, before calling AWS', async () => {
    const { io, err } = capture();
    expect(await startCommand([...request, '--stage', 'mirrorhunt-prod!', '--region', 'eu-west-1'], io, { cfn: new CloudFormationClient({ region: 'eu-west-1' }), env: {} })).toBe(2);
    expect(err.join('')).toMatch(/--stage must be the lower-case stage name/);
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
  });

  it('needs a region to look the stack up in', async () => {
    const { io, err } = capture();
    expect(await startCommand([...request, '--stage', 'prod'], io, { cfn: new CloudFormationClient({ region: 'eu-west-1' }), env: {} })).toBe(2);
    expect(err.join('')).toMatch(/--region \(or AWS_REGION\) must name the stack's region/);
  });

  it('refuses --minutes abc with the flag rule, not a schema message', async () => {
    const { io, err } = capture();
    expect(await startCommand([...request, '--stage', 'prod', '--minutes', 'abc'], io, { env: {} })).toBe(2);
    expect(err.join('')).toBe(`mirrorhunt start: --minutes must be a whole number from 1 to 1440; got "abc" (see 'mirrorhunt start --help')\n`);
  });
});
