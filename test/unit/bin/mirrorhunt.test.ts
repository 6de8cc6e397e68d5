import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../../support/temp';

/**
 * The installed command as a user runs it: `node bin/mirrorhunt.js ...` in a child process (what
 * `npx mirrorhunt` and a packed install's `node_modules/.bin/mirrorhunt` start). The AWS commands
 * talk to a stand-in on localhost through the SDK's service-specific endpoint variables
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS SDKs and Tools reference guide, "Service-specific endpoints"),
 * answering in each service's Query-protocol XML (botocore ec2/cloudformation models).
 */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'mirrorhunt.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mirrorhunt-prod-investigate';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mirrorhunt(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', AWS_ACCESS_KEY_ID: 'AKIATESTONLY00000000', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_EC2_METADATA_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Answers the few read calls the commands make, as EC2 and CloudFormation would with nothing of ours there. */
let server: Server;
let endpoint: string;
const calls: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const action = /Action=(\w+)/.exec(body)?.[1] ?? '';
      calls.push(action);
      res.setHeader('content-type', 'text/xml');
      if (action === 'DescribeInstances') res.end('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet/></DescribeInstancesResponse>');
      else if (action === 'DescribeTrafficMirrorSessions') res.end('<DescribeTrafficMirrorSessionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><trafficMirrorSessionSet/></DescribeTrafficMirrorSessionsResponse>');
      else if (action === 'DescribeStacks')
        res.end(
          `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>mirrorhunt-prod</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-11-01T00:00:00Z</CreationTime><Outputs><member><OutputKey>InvestigateStateMachineArn</OutputKey><OutputValue>${STATE_MACHINE}</OutputValue></member></Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        );
      else {
        res.statusCode = 400;
        res.end(`<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>the test stand-in does not answer ${action}</Message></Error></Errors><RequestID>r-4</RequestID></Response>`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const SLOW = 120_000;

describe('the mirrorhunt command (bin/mirrorhunt.js in a child process)', () => {
  it.each([['--help'], ['-h'], ['help']])('prints the usage on %s and exits 0', async (flag) => {
    const run = await mirrorhunt([flag]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^mirrorhunt <command> \[options\]/);
    expect(run.stderr).toBe('');
  }, SLOW);

  it('prints the version from package.json on --version', async () => {
    const run = await mirrorhunt(['--version']);
    expect(run).toEqual({ code: 0, stdout: `mirrorhunt ${VERSION}\n`, stderr: '' });
  }, SLOW);

  it('refuses an unknown command in one line with exit code 2', async () => {
    const run = await mirrorhunt(['hnut']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`mirrorhunt: unknown command "hnut" (commands: demo, hunt, start, backfill, unmirror; see 'mirrorhunt --help')\n`);
  }, SLOW);

  it.each(['demo', 'hunt', 'start', 'backfill', 'unmirror'])('loads %s and prints its usage on -h', async (command) => {
    const run = await mirrorhunt([command, '-h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^usage: mirrorhunt ${command}`));
  }, SLOW);

  it('hunts a folder of Zeek logs', async () => {
    const run = await mirrorhunt(['hunt', join('test', 'fixtures', 'zeek', 'vxlan'), '--format', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('findings');
    expect(run.stderr).toMatch(/^loaded conn \d+ rows/m);
  }, SLOW);

  it('runs the demo end to end', async () => {
    const run = await mirrorhunt(['demo', '--out', tempDir('mh-bin-demo-')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/execution gd-\w+: SUCCEEDED/);
    expect(run.stdout).toContain('resources tagged mirrorhunt:managed: 0');
  }, SLOW);

  it('finds the state machine from the stack outputs for start --stage and prints the request with --dry-run', async () => {
    const run = await mirrorhunt(['start', '--stage', 'prod', '--region', 'eu-west-1', '--instance', 'i-0123456789abcdef0', '--reason', 'odd outbound traffic', '--dry-run'], { AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ stateMachineArn: STATE_MACHINE, input: { instanceId: 'i-0123456789abcdef0', captureMinutes: 60 } });
  }, SLOW);

  it('backfills nothing from an empty account with --dry-run', async () => {
    const run = await mirrorhunt(['backfill', '--stack', 'mirrorhunt-prod', '--region', 'eu-west-1', '--target-id', 'tmt-0123456789abcdef0', '--filter-id', 'tmf-0123456789abcdef0', '--dry-run'], { AWS_ENDPOINT_URL_EC2: endpoint });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('dry run: nothing was created. 0 running instances; nothing to do');
  }, SLOW);

  it('lists no fleet sessions to delete in an empty account with --dry-run', async () => {
    const run = await mirrorhunt(['unmirror', '--stack', 'mirrorhunt-prod', '--region', 'eu-west-1', '--dry-run'], { AWS_ENDPOINT_URL_EC2: endpoint });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('0 fleet session(s) (dry run: nothing is deleted)');
  }, SLOW);

  it.each([
    [['start', '--instance', 'i-0123456789abcdef0', '--reason', 'x', '--stage', 'prod', '--minutes', 'abc'], `mirrorhunt start: --minutes must be a whole number from 1 to 1440; got "abc" (see 'mirrorhunt start --help')\n`],
    [['demo', '--minutes', '0'], `mirrorhunt demo: --minutes must be a whole number from 1 to 1440; got "0" (see 'mirrorhunt demo --help')\n`],
    [['unmirror', '--stack', 'prod', '--region', 'eu-west-1'], `mirrorhunt unmirror: --stack (or MIRRORHUNT_STACK) must be mirrorhunt-<stage>, e.g. mirrorhunt-prod: serverless names the stack <service>-<stage>; got "prod" (did you mean mirrorhunt-prod?) (see 'mirrorhunt unmirror --help')\n`],
    [['hunt', 'test/fixtures/zeek/vxlan', '--top', 'three'], `mirrorhunt hunt: --top must be a whole number of findings, 1 or more; got "three" (see 'mirrorhunt hunt --help')\n`],
    [['backfill', '--bogus'], `mirrorhunt backfill: unknown option --bogus (see 'mirrorhunt backfill --help')\n`],
  ])('refuses %j in one line, without the usage or a stack trace, with exit code 2', async (args, message) => {
    const run = await mirrorhunt(args);
    expect(run).toEqual({ code: 2, stdout: '', stderr: message });
  }, SLOW);
});
