import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packagedService, zipRead, type PackagedService } from '../../support/template';
import { roleStatements } from '../../support/iam-statements';

const IAM_PREFIX: Record<string, string> = { ec2: 'ec2', s3: 's3', sfn: 'states', ssm: 'ssm', athena: 'athena', sns: 'sns' };
/** SDK operations whose IAM action has another name. */
const ACTION_FOR: Record<string, string> = { 's3:HeadObject': 's3:GetObject', 's3:ListObjectsV2': 's3:ListBucket' };

/**
 * The IAM actions a bundled handler can call, read from the minified bundle: the SDK stays
 * external, so every call is `<var>.<Name>Command` or `<var>.paginate<Name>` on a variable bound
 * to `require("@aws-sdk/client-<service>")`, and property names survive minification.
 */
function callsInBundle(code: string): string[] {
  const services = new Map<string, string>();
  for (const m of code.matchAll(/([\w$]+)=require\("@aws-sdk\/client-([a-z0-9-]+)"\)/g)) services.set(m[1]!, m[2]!);
  const actions = new Set<string>();
  for (const m of code.matchAll(/([\w$]+)\.(?:paginate([A-Z]\w+)|([A-Z]\w+)Command)\b/g)) {
    const service = services.get(m[1]!);
    if (!service) continue;
    const action = `${IAM_PREFIX[service] ?? service}:${m[2] ?? m[3]}`;
    actions.add(ACTION_FOR[action] ?? action);
  }
  return [...actions].sort();
}

let service: PackagedService;
beforeAll(async () => {
  service = await packagedService();
});

describe('function permissions', () => {
  it('read SDK calls from a minified bundle', () => {
    // Prepare
    const code = 'var W=require("@aws-sdk/client-ec2");var sr=require("@aws-sdk/client-s3");new W.RunInstancesCommand({});(0,W.paginateDescribeInstances)();new sr.HeadObjectCommand({});x.FooCommand';

    // Act / Assess
    expect(callsInBundle(code)).toEqual(['ec2:DescribeInstances', 'ec2:RunInstances', 's3:GetObject']);
  });

  it('grant every function each AWS call its bundle can make', () => {
    // Prepare
    const statements = roleStatements(service.template).filter((s) => s.statement.Effect === 'Allow');
    const keys = Object.keys(service.template.Resources)
      .filter((id) => service.template.Resources[id]!.Type === 'AWS::Lambda::Function')
      .map((id) => id.replace(/LambdaFunction$/, ''))
      .filter((id) => existsSync(join(service.artifactsDir, `${id[0]!.toLowerCase()}${id.slice(1)}.zip`)));
    expect(keys.length).toBeGreaterThanOrEqual(10);

    for (const id of keys) {
      const key = `${id[0]!.toLowerCase()}${id.slice(1)}`;
      // Act
      let calls = callsInBundle(zipRead(join(service.artifactsDir, `${key}.zip`), `functions/${key}/handler.js`).toString('utf8'));
      // The shared runtime inlines the Athena engine behind a lazy import in every bundle; only runHunts asks for it.
      if (key !== 'runHunts') calls = calls.filter((a) => !a.startsWith('athena:'));
      const granted = new Set(statements.filter((s) => s.role === `${id}Role`).flatMap((s) => s.actions));

      // Assess
      expect({ key, missing: calls.filter((a) => !granted.has(a)) }).toEqual({ key, missing: [] });
      expect({ key, calls: calls.length > 0 }).toEqual({ key, calls: true });
    }
  });
});
