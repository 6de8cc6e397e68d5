import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { startInvestigation } from '../../../../functions/startInvestigation/handler';
import { parseConfig } from '../../../../functions/shared/config';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';
import { ConfigError } from '../../../../functions/shared/errors';
import { ec2Finding, guardDutyEvent, readFixture } from '../../../support/fixtures';

const sfnMock = mockClient(SFNClient);
const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate';

function deps(env: Record<string, string> = {}): Deps {
  return {
    config: parseConfig({ STATE_MACHINE_ARN: machine, ...env }),
    clients: { sfn: new SFNClient({ region: 'us-east-1' }) } as Deps['clients'],
    now: () => new Date('2026-11-24T08:00:00Z'),
    logger: new Logger({ logLevel: 'SILENT' }),
    queryEngine: async () => {
      throw new Error('not used');
    },
  };
}

beforeEach(() => sfnMock.reset());

describe('startInvestigation', () => {
  it('starts one execution named after the finding, carrying the instance and the pivots', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    const outcome = await startInvestigation(deps())(guardDutyEvent(ec2Finding()));
    expect(outcome).toMatchObject({ outcome: 'started', executionName: 'gd-16afba5c5c43e07c9e3e5e2e544e95df' });
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
    expect(input).toMatchObject({ instanceId: 'i-05746eb48123455e0', captureMinutes: 60, source: 'guardduty', finding: { type: 'Backdoor:EC2/C&CActivity.B' } });
  });

  it('reports a re-published finding as a duplicate instead of a second investigation', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'x' }));
    await expect(startInvestigation(deps())(guardDutyEvent(ec2Finding()))).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it('rejects a malformed event with the field named, and starts nothing', async () => {
    const outcome = await startInvestigation(deps())(guardDutyEvent({ id: 'abc', type: 'Backdoor:EC2/C&CActivity.B' }));
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/severity/) });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('ignores GuardDuty sample findings by default and starts nothing', async () => {
    const outcome = await startInvestigation(deps())(guardDutyEvent({ ...ec2Finding(), service: { additionalInfo: { sample: true } } }));
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('sample') });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('investigates sample findings when configured to', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    const outcome = await startInvestigation(deps({ ALLOW_SAMPLE_FINDINGS: 'true' }))(guardDutyEvent({ ...ec2Finding(), service: { additionalInfo: { sample: true } } }));
    expect(outcome).toMatchObject({ outcome: 'started' });
  });

  it('ignores the real S3 sample finding: not an instance', async () => {
    const outcome = await startInvestigation(deps({ ALLOW_SAMPLE_FINDINGS: 'true' }))(guardDutyEvent(readFixture('guardduty', 'guardduty_s3_event.json')));
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('S3Bucket') });
  });

  it('fails at cold start, naming the variable, when the state machine ARN is missing', () => {
    const broken = { ...deps(), config: parseConfig({}) };
    expect(() => startInvestigation(broken)).toThrow(ConfigError);
    expect(() => startInvestigation(broken)).toThrow(/STATE_MACHINE_ARN/);
  });
});
