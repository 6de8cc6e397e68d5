import { readFileSync } from 'node:fs';
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

describe.each(['infra/storage.yml', 'infra/notify.yml', 'infra/sensor.yml', 'infra/fleet.yml', 'infra/dead-letter.yml', 'infra/state-machine.yml', 'infra/roles.yml', 'infra/athena.yml', 'infra/sensor/image-pipeline.yml', 'infra/securityhub.yml'])(
  'resource fragment %s',
  (fragment) => {
    const file = join(PACKAGE_ROOT, fragment);
    it('lands in the packaged template with every resource it declares', () => {
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
  it('are the workgroup and database runHunts is configured with', () => {
    // Act
    const env = (template.Resources.RunHuntsLambdaFunction!.Properties!.Environment as { Variables: Record<string, { Ref?: string }> }).Variables;

    // Assess
    expect(template.Resources[env.ATHENA_WORKGROUP!.Ref!]?.Type).toBe('AWS::Athena::WorkGroup');
    expect(template.Resources[env.ATHENA_DATABASE!.Ref!]?.Type).toBe('AWS::Glue::Database');
  });
});
