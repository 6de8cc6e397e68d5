import { execFileSync } from 'node:child_process';
import { buildReport, capturePartitions, renderMarkdown, reportSubject, reportSummary } from '../../../../../functions/shared/domain/report';
import { nextSteps } from '../../../../../functions/shared/domain/next-steps';
import { completedState, EXECUTION_ARN, PEER_IP } from '../../../../support/report-fixtures';

const at = new Date('2026-11-24T09:04:30Z');
const ctx = {
  bucket: 'mirrorhunt-prod-logs',
  athenaWorkGroup: 'mirrorhunt-prod',
  athenaDatabase: 'mirrorhunt_prod',
  athenaQueries: [
    { name: 'beacon-ip', parameters: ['2026-11-24', 8, "10.20.1.25,o'brien"] },
    { name: 'pivot-ip', parameters: [PEER_IP, 1764144060] },
    { name: 'strobe', parameters: [] },
  ],
  reportKeys: { json: 'reports/gd-6ec7/report.json', markdown: 'reports/gd-6ec7/report.md', html: 'reports/gd-6ec7/report.html' },
};

describe('the investigation report', () => {
  it('carries the ranked threat list verbatim, as hunt --format json prints it', () => {
    const state = completedState();
    const report = buildReport(state, [], at, ctx);
    expect(report.threats).toEqual(state.hunts?.threats);
    expect(JSON.parse(JSON.stringify(report)).threats.findings[0].beacon.series).toHaveLength(59);
  });

  it('gives mirror sessions the fate Stop Mirroring recorded, matching the timeline', () => {
    const report = buildReport(completedState(), [], at, ctx);
    expect(report.resources.find((r) => r.type === 'mirror-session')).toEqual({ type: 'mirror-session', id: 'tms-0f0f0f0f0f0f0f0f0', fate: 'deleted', detail: 'Stop Mirroring' });
    expect(report.timeline.find((t) => t.event === 'mirroring stopped')?.detail).toBe('deleted 1 session(s)');
    expect(report.resources.every((r) => r.fate !== 'not recorded')).toBe(true);
  });

  it('orders the timeline by time, the execution start first', () => {
    const state = completedState();
    // The sensor's launch stamp a second before the execution's own start (clock skew between
    // Lambda and Step Functions) still prints after nothing it did not follow.
    const report = buildReport(state, [], at, ctx);
    const times = report.timeline.map((t) => Date.parse(t.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(report.timeline.map((t) => t.event)).toEqual([
      'execution started', 'sensor launched', 'sensor ready', 'mirroring started', 'mirroring stopped', 'teardown completed', 'hunts started', 'hunts finished', 'report written',
    ]);
  });

  it('links the execution, the Zeek logs of the window and the Athena hunts with the account\'s region', () => {
    const report = buildReport(completedState(), [], at, ctx);
    expect(report.links.execution?.consoleUrl).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${EXECUTION_ARN}`);
    expect(report.links.zeekLogs?.s3Uri).toBe('s3://mirrorhunt-prod-logs/zeek/');
    expect(report.links.zeekLogs?.downloadCommand).toContain("--include '*/dt=2026-11-24/hour=08/i-0f0f0f0f0f0f0f0f0-*' --include '*/dt=2026-11-24/hour=09/i-0f0f0f0f0f0f0f0f0-*'");
    expect(report.links.athena?.queries.map((q) => q.name)).toEqual(['beacon-ip', 'pivot-ip']);
    // Strings go as Athena literals inside a shell word: a quote in a value ends neither. bash reads it back.
    const args = (report.links.athena?.queries[0]?.command ?? '').split(' --execution-parameters ')[1] ?? '';
    const argv = execFileSync('bash', ['-c', `set -- ${args}; printf '%s\\n' "$@"`], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(argv).toEqual(["'2026-11-24'", '8', "'10.20.1.25,o''brien'"]);
  });

  it('puts the capture window\'s hour partitions from its first hour to the hour after it ends', () => {
    expect(capturePartitions(new Date('2026-11-24T23:30:00Z'), new Date('2026-11-25T00:10:00Z'))).toEqual(['dt=2026-11-24/hour=23', 'dt=2026-11-25/hour=00', 'dt=2026-11-25/hour=01']);
  });

  it('leads the Markdown with the verdict and copyable next steps', () => {
    const md = renderMarkdown(buildReport(completedState(), [], at, ctx));
    expect(md.indexOf('## Verdict: CONFIRMED')).toBeLessThan(md.indexOf('## Next steps'));
    expect(md.indexOf('## Next steps')).toBeLessThan(md.indexOf('## Ranked threats'));
    expect(md).toContain('aws ec2 modify-network-interface-attribute --region eu-west-1 --network-interface-id eni-0a1b2c3d4e5f60718 --groups "$SG"');
    expect(md).toContain(`--cidr-block ${PEER_IP}/32`);
    expect(md).toContain('- Hosts hunted: 10.20.1.25');
  });

  it('leads the SNS message with the verdict and the top threats', () => {
    const report = buildReport(completedState(), [], at, ctx);
    const message = reportSummary(report, 's3://mirrorhunt-prod-logs/reports/gd-6ec7/report.html');
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^CONFIRMED: Confirmed: 10\.20\.1\.25 talked to 198\.51\.100\.7/);
    expect(message.indexOf('Top threats:')).toBeLessThan(message.indexOf('Incident gd-6ec7'));
    expect(message).toContain('  1. [high] 10.20.1.25 → 198.51.100.7:443 every ~60 s');
    expect(reportSubject(report)).toBe('[mirrorhunt] i-0a1b2c3d4e5f60718: CONFIRMED, 3 finding(s)');
  });

  it('does not call a not-mirrorable target\'s addresses hunted, and advises flow logs instead of a capture', () => {
    const state = completedState();
    state.target = { ...state.target, mirrorable: false, reason: 'instance type t2.micro cannot be a traffic mirror source', enis: [], skipped: [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718', reason: 'not-interface-type', detail: 'eni-0a1b2c3d4e5f60718 is of type efa; only "interface" ENIs can be mirrored' }] };
    for (const k of ['claim', 'sensor', 'sensorStatus', 'mirror', 'mirrorStop', 'teardown', 'hunts'] as const) delete state[k];
    const report = buildReport(state, [], at, ctx);
    expect(report.verdict).toMatchObject({ label: 'inconclusive', rule: 'no-capture' });
    expect(report.target.hunted).toBe(false);
    const md = renderMarkdown(report);
    expect(md).not.toContain('Hosts hunted');
    expect(md).toContain('(not hunted: nothing was captured)');
    expect(report.nextSteps.map((s) => s.id)).toEqual(['isolate', 'snapshot', 'block-peer', 'flow-logs']);
    expect(report.nextSteps[3]?.commands[0]).toContain('--resource-ids eni-0a1b2c3d4e5f60718');
  });
});

describe('next steps', () => {
  const input = { verdict: 'confirmed' as const, incidentId: 'gd-6ec7', region: 'eu-west-1', instanceId: 'i-0a1b2c3d4e5f60718', vpcId: 'vpc-0a1b2c3d4e5f60718', subnetId: 'subnet-0a1b2c3d4e5f60718', networkInterfaceIds: ['eni-0a1b2c3d4e5f60718'], peerIps: [PEER_IP], peerDomains: ['c2.example.com'], captureMinutes: 60, stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:mirrorhunt-prod-investigate', mirrorable: true };

  it('gives isolate, snapshot, block and widen commands for this instance', () => {
    const steps = nextSteps(input);
    expect(steps.map((s) => s.id)).toEqual(['isolate', 'snapshot', 'block-peer', 'widen-capture']);
    expect(steps[1]?.commands[0]).toBe(
      "aws ec2 create-snapshots --region eu-west-1 --instance-specification InstanceId=i-0a1b2c3d4e5f60718,ExcludeBootVolume=false --description \"mirrorhunt gd-6ec7\" --copy-tags-from-source volume --tag-specifications 'ResourceType=snapshot,Tags=[{Key=mirrorhunt:incident,Value=gd-6ec7}]'",
    );
    expect(steps[2]?.commands).toContain(`aws ec2 create-network-acl-entry --region eu-west-1 --network-acl-id "$ACL" --egress --rule-number 10 --protocol -1 --rule-action deny --cidr-block ${PEER_IP}/32`);
    expect(steps[2]?.commands.at(-1)).toContain("--domains c2.example.com '*.c2.example.com'");
    expect(steps[3]?.commands[0]).toBe('npx mirrorhunt start --instance i-0a1b2c3d4e5f60718 --minutes 360 --reason "follow-up of gd-6ec7" --state-machine-arn arn:aws:states:eu-west-1:123456789012:stateMachine:mirrorhunt-prod-investigate --region eu-west-1');
  });

  it('leaves out a peer that is not an address or a plain name, so no shell syntax reaches a command', () => {
    const steps = nextSteps({ ...input, peerIps: ['1.2.3.4; rm -rf /'], peerDomains: ['$(curl evil)'] });
    expect(steps.map((s) => s.id)).not.toContain('block-peer');
    expect(steps.flatMap((s) => s.commands).join('\n')).not.toMatch(/rm -rf|curl/);
  });
});
