import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packagedService, type Params } from '../../support/template';

/**
 * cfn-lint (AWS's CloudFormation linter, Python) checks the packaged template against the
 * resource specifications and value patterns AWS publishes. It is not an npm package: CI installs
 * it (`.ci/run`) and sets REQUIRE_CFN_LINT=1, so there a missing cfn-lint fails instead of
 * skipping; elsewhere these checks are skipped with a warning, as the shellcheck ones are.
 */
const cfnLintPresent = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).error === undefined;
const cfnLintRequired = process.env.REQUIRE_CFN_LINT === '1';
const withCfnLint = cfnLintPresent || cfnLintRequired ? it : it.skip;
if (!cfnLintPresent && !cfnLintRequired) {
  console.warn('cfn-lint is not installed: the packaged template is not linted in this run (pip install cfn-lint; CI always lints it)');
}

/** The same managed-fleet params test/unit/infra/fleet.test.ts packages with (one cached package for both). */
const MANAGED: Params = {
  fleetMode: 'managed',
  fleetVpcId: 'vpc-0aa00000000000001',
  fleetSubnetIds: 'subnet-0aa00000000000001,subnet-0aa00000000000002',
  fleetVpcCidrs: '10.40.0.0/16,100.64.0.0/20',
};

interface CfnLintMatch {
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> | null };
}

function lint(templatePath: string): CfnLintMatch[] {
  const result = spawnSync('cfn-lint', ['--format', 'json', '--', templatePath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return JSON.parse(result.stdout || '[]') as CfnLintMatch[];
}

const errorsOf = (matches: CfnLintMatch[]) => matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${(m.Location.Path ?? []).join('/')}: ${m.Message}`);

describe('the packaged template under cfn-lint', () => {
  withCfnLint('cfn-lint is installed (CI installs it; the checks below must not pass by skipping)', () => {
    const result = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/cfn-lint \d+\.\d+/);
  });

  withCfnLint.each([
    ['the defaults (no fleet)', {}],
    ['a managed fleet', MANAGED],
  ] as Array<[string, Params]>)('has no errors with %s', async (_name, params) => {
    // Prepare
    const { artifactsDir } = await packagedService(params);
    // Act
    const matches = lint(join(artifactsDir, 'cloudformation-template-update-stack.json'));
    // Assess
    expect(errorsOf(matches)).toEqual([]);
  }, 120_000);
});
