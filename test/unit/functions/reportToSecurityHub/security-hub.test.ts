import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startInvestigation } from '../../../../functions/startInvestigation/handler';
import { reportToSecurityHub } from '../../../../functions/reportToSecurityHub/handler';
import { parseConfig } from '../../../../functions/shared/config';
import { buildReport } from '../../../../functions/shared/domain/report';
import { findingFromAsff, guardDutyTypeFromAsff, parseCustomActionEvent, verdictFinding } from '../../../../functions/shared/domain/security-hub';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';
import { SimulatedAccount } from '../../../../local/aws-sim/account';
import { SimClock } from '../../../../local/aws-sim/clock';
import { useSecurityHub } from '../../../../local/aws-sim/securityhub';
import { LOCAL, localConfig, localDeps } from '../../../../local/local-account';
import { tempDir } from '../../../support/temp';
import { completedState, PEER_IP, resolverThreat, threatList } from '../../../support/report-fixtures';

const EVENT = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'securityhub', 'custom-action-guardduty.json'), 'utf8')) as { detail: { findings: Array<Record<string, unknown>> } };
const GD_ARN = 'arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/6ec7a1f0e2d34b0f9a3c5d7e8f901234';
const withFinding = (patch: Record<string, unknown>) => ({ ...EVENT, detail: { ...EVENT.detail, findings: [{ ...EVENT.detail.findings[0], ...patch }] } });

describe('a Security Hub custom action on a GuardDuty finding', () => {
  it('reads as the GuardDuty finding: id, ARN, type, severity, instance and remote IP', () => {
    const [item] = parseCustomActionEvent(EVENT);
    expect(item).toEqual({
      finding: expect.objectContaining({ id: '6ec7a1f0e2d34b0f9a3c5d7e8f901234', arn: GD_ARN, type: 'Backdoor:EC2/C&CActivity.B', severity: 8, resourceType: 'Instance', instanceId: 'i-0a1b2c3d4e5f60718', remoteIps: [PEER_IP], isSample: false }),
    });
  });

  it('puts back the slash GuardDuty types lose in ASFF', () => {
    expect(guardDutyTypeFromAsff(['Unusual Behaviors/VM/Behavior:EC2-NetworkPortUnusual'])).toBe('Behavior:EC2/NetworkPortUnusual');
    expect(guardDutyTypeFromAsff(['Software and Configuration Checks/Vulnerabilities/CVE'])).toBeUndefined();
  });

  it('refuses a finding from another product, naming it', () => {
    expect(() => findingFromAsff({ ...EVENT.detail.findings[0], ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector', ProductName: 'Inspector' })).toThrow(/comes from Inspector; mirrorhunt investigates GuardDuty findings only/);
  });

  describe('startInvestigation', () => {
    const sfn = mockClient(SFNClient);
    const deps = (): Deps =>
      ({
        config: parseConfig({ STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate', MIN_SEVERITY: '9' }),
        clients: { sfn: new SFNClient({ region: 'us-east-1' }) },
        now: () => new Date('2026-11-24T08:00:00Z'),
        logger: new Logger({ logLevel: 'SILENT' }),
      }) as unknown as Deps;
    beforeEach(() => sfn.reset());

    it('starts the execution the GuardDuty trigger would name, so a finding is investigated once however it was asked for', async () => {
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
      // The severity floor (9 here) yields to the responder's explicit choice.
      const outcome = await startInvestigation(deps())(EVENT);
      expect(outcome).toMatchObject({ outcome: 'started', executionName: 'gd-6ec7a1f0e2d34b0f9a3c5d7e8f901234' });
      const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
      expect(input).toMatchObject({ instanceId: 'i-0a1b2c3d4e5f60718', source: 'guardduty', pivotIps: [PEER_IP], finding: { arn: GD_ARN }, reason: expect.stringMatching(/^Security Hub custom action: GuardDuty Backdoor:EC2\/C&CActivity\.B/) });
    });

    it('starts nothing for a finding about something other than an instance', async () => {
      const outcome = await startInvestigation(deps())(withFinding({ Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::bucket' }] }));
      expect(outcome).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('not an EC2 instance') });
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });
  });
});

describe('the verdict in Security Hub', () => {
  const at = new Date('2026-11-24T09:05:00Z');
  const ctx = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012', now: at, reportUrl: 'https://s3.console.aws.amazon.com/s3/object/b?region=eu-west-1&prefix=reports%2Fgd-6ec7%2Freport.html' };

  function stateWithArn(threats = threatList()) {
    const state = completedState(threats);
    if (state.request.finding) state.request.finding.arn = GD_ARN;
    return state;
  }

  it('is an ASFF finding related to the GuardDuty finding, linking the report, with the verdict as its severity', () => {
    const finding = verdictFinding(buildReport(stateWithArn(), [], at), ctx);
    expect(finding).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: 'mirrorhunt/gd-6ec7',
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      AwsAccountId: '123456789012',
      Severity: { Label: 'HIGH', Original: 'confirmed' },
      SourceUrl: ctx.reportUrl,
      RelatedFindings: [{ ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty', Id: GD_ARN }],
      Resources: [{ Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60718' }],
      Types: ['TTPs/Command and Control/mirrorhunt'],
    });
    expect((finding.Description as string).length).toBeLessThanOrEqual(1024);
  });

  it('marks a quiet capture informational', () => {
    const finding = verdictFinding(buildReport(stateWithArn(threatList([resolverThreat(1)])), [], at), ctx);
    expect(finding.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'not-confirmed' });
  });

  describe('reportToSecurityHub against the simulated account', () => {
    const bucket = LOCAL.bucket;
    /** The function runs as itself: IAM evaluates its calls against ReportToSecurityHubRole (infra/roles.yml). */
    function setup() {
      const account = new SimulatedAccount({ clock: new SimClock(at), s3Root: tempDir('mh-sh-'), region: LOCAL.region, accountId: LOCAL.accountId });
      account.s3.createBucket(bucket);
      const securityHub = useSecurityHub(account);
      const deps = localDeps(account, { principal: 'reportToSecurityHub', sfn: new SFNClient({ region: LOCAL.region }), config: localConfig(), queryEngine: async () => Promise.reject(new Error('not used')) });
      return { account, hub: securityHub.hub, run: reportToSecurityHub(deps, securityHub.client('reportToSecurityHub')) };
    }
    const statusEvent = (status: string, input: unknown) => ({
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: { executionArn: `arn:aws:states:${LOCAL.region}:${LOCAL.accountId}:execution:mirrorhunt-local-investigate:gd-6ec7`, name: 'gd-6ec7', status, input: JSON.stringify(input) },
    });

    it('imports the verdict of a finished investigation from its report.json, once per incident', async () => {
      const { account, hub, run } = setup();
      const report = buildReport(stateWithArn(), [], at);
      await account.clients().s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'reports/gd-6ec7/report.json', Body: JSON.stringify(report) }));
      await expect(run(statusEvent('SUCCEEDED', {}))).resolves.toEqual({ outcome: 'imported', findingId: 'mirrorhunt/gd-6ec7', verdict: 'confirmed' });
      await run(statusEvent('SUCCEEDED', {}));
      expect(hub.imported()).toHaveLength(1);
      expect(hub.imported()[0]).toMatchObject({ RelatedFindings: [{ Id: GD_ARN }] });
      expect(account.calls.filter((c) => c.deniedByIam)).toEqual([]);
    });

    it('answers inconclusive for an execution that ended without a report', async () => {
      const { hub, run } = setup();
      await expect(run(statusEvent('ABORTED', { instanceId: 'i-0a1b2c3d4e5f60718', reason: 'x', finding: { arn: GD_ARN } }))).resolves.toMatchObject({ outcome: 'imported', verdict: 'inconclusive' });
      expect(hub.imported()[0]).toMatchObject({ Severity: { Label: 'MEDIUM' }, Title: expect.stringContaining('investigation aborted') });
    });

    it('fails loudly when Security Hub is not enabled in the account', async () => {
      const { hub, run } = setup();
      hub.enabled = false;
      await expect(run(statusEvent('ABORTED', { instanceId: 'i-0a1b2c3d4e5f60718' }))).rejects.toThrow(/not subscribed to AWS Security Hub/);
    });
  });
});
