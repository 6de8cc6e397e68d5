import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { manualExecutionName, startCommand } from '../../../bin/commands/start';

const sfnMock = mockClient(SFNClient);
const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

beforeEach(() => sfnMock.reset());

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
