import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagedTemplate } from '../../support/template';

/** docs/deploy.md, checked against what the stack and the shell actually do. */
const ROOT = join(__dirname, '..', '..', '..');
const GUIDE = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');

function section(title: string): string {
  const start = GUIDE.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`docs/deploy.md has no section "${title}"`);
  const rest = GUIDE.slice(start + title.length + 2);
  const next = rest.search(/\n#{2,3} /);
  return next < 0 ? rest : rest.slice(0, next);
}

const shellBlocks = (text: string): string[] => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replace(/^ {3}/gm, ''));

const MANAGED = {
  fleetMode: 'managed',
  fleetVpcId: 'vpc-0aa00000000000001',
  fleetSubnetIds: 'subnet-0aa00000000000001,subnet-0aa00000000000002',
  fleetVpcCidrs: '10.40.0.0/16,100.64.0.0/20',
};

describe('docs/deploy.md', () => {
  it('names exactly the outputs the packaged stack has (with a managed fleet, so every conditional output is there)', async () => {
    // Prepare
    const template = await packagedTemplate(MANAGED);
    // Act: the first column of the outputs table, `A`, `B` split.
    const documented = [...section('### Stack outputs').matchAll(/^\| (`[^|]+`) \|/gm)].flatMap((m) => [...(m[1] as string).matchAll(/`([A-Za-z0-9]+)`/g)].map((n) => n[1] as string));
    // Assess: the deployment bucket output is serverless' own bookkeeping.
    const outputs = Object.keys(template.Outputs ?? {}).filter((o) => o !== 'ServerlessDeploymentBucketName');
    expect(documented.sort()).toEqual(outputs.sort());
  }, 120_000);

  it('tells you to start the image pipeline by an output that exists', async () => {
    const template = await packagedTemplate();
    const block = shellBlocks(section('## Sensor image')).join('\n');
    const output = /OutputKey=='(\w+)'/.exec(block)?.[1];
    expect(output).toBe('SensorImagePipelineArn');
    expect(template.Outputs).toHaveProperty('SensorImagePipelineArn');
  }, 120_000);

  it("gives a sample-findings command that runs as written: one command, with the detector id and the type as one argument despite its '&'", () => {
    // Prepare: the guide's commands, with `aws` standing in for the AWS CLI (it prints its arguments, one per line).
    const block = shellBlocks(section('## Trying it safely')).find((b) => b.includes('create-sample-findings'));
    expect(block).toBeDefined();
    const script = `aws() { if [ "$2" = list-detectors ]; then echo 0123456789abcdef0123456789abcdef; else printf '<%s>\\n' "$@"; fi; }\n${block}`;
    // Act
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    // Assess
    expect(run.status).toBe(0);
    const args = run.stdout.trim().split('\n');
    expect(args.slice(0, 2)).toEqual(['<guardduty>', '<create-sample-findings>']);
    expect(args[args.indexOf('<--detector-id>') + 1]).toBe('<0123456789abcdef0123456789abcdef>');
    expect(args[args.indexOf('<--finding-types>') + 1]).toBe('<Backdoor:EC2/C&CActivity.B>');
  });

  it("packages another stage with the command it shows (the package script leaves --stage and --region to the caller)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(section('### Another stage')).toContain('npm run package -- --stage prod --region eu-west-1');
    expect(pkg.scripts.package).not.toMatch(/--stage|--region/);
  });
});
