import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, packagedTemplate, type CfnTemplate } from '../../support/template';

/** Logical ids declared directly under `Resources:` in a fragment file (two-space indentation). */
function declaredResources(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const body = text.slice(text.indexOf('Resources:'));
  return [...body.matchAll(/^ {2}([A-Za-z0-9]+):\s*$/gm)].map((m) => m[1]!);
}

let template: CfnTemplate;
beforeAll(async () => {
  template = await packagedTemplate();
});

describe.each(['infra/storage.yml', 'infra/notify.yml', 'infra/sensor.yml', 'infra/dead-letter.yml', 'infra/state-machine.yml', 'infra/roles.yml', 'infra/athena.yml', 'infra/sensor/image-pipeline.yml'])(
  'resource fragment %s',
  (fragment) => {
    const file = join(PACKAGE_ROOT, fragment);
    // Fragments other engineers write are included by serverless.yml with a fallback until they exist.
    (existsSync(file) ? it : it.skip)('lands in the packaged template with every resource it declares', () => {
      // Prepare
      const declared = declaredResources(file);

      // Act
      const missing = declared.filter((id) => !template.Resources[id]);

      // Assess
      expect(declared.length).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    });
  },
);

describe('Athena resources', () => {
  (existsSync(join(PACKAGE_ROOT, 'infra/athena.yml')) ? it : it.skip)('use the workgroup and database names runHunts is configured and scoped for', () => {
    // Act
    const workGroups = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Athena::WorkGroup').map((r) => r.Properties?.Name);
    const databases = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Glue::Database')
      .map((r) => (r.Properties?.DatabaseInput as { Name?: unknown } | undefined)?.Name);
    const env = (template.Resources.RunHuntsLambdaFunction!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(workGroups).toContain(env.ATHENA_WORKGROUP);
    expect(databases).toContain(env.ATHENA_DATABASE);
  });
});
