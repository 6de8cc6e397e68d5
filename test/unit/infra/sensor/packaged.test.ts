import { packagedTemplate, type CfnResource, type CfnTemplate } from '../../../support/template';

/** The sensor image resources as `serverless package` emits them (cached by input hash). */
let template: CfnTemplate;
beforeAll(async () => {
  template = await packagedTemplate();
}, 180_000);

const resource = (id: string): CfnResource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`${id} is not in the packaged template`);
  return found;
};

describe('the packaged stack, sensor side', () => {
  it('publishes the pipeline AMI into the parameter named /mirrorhunt/<stage>/sensor-ami-id', () => {
    // Act
    const distribution = resource('SensorImageDistribution').Properties as { Distributions: Array<{ SsmParameterConfigurations: Array<{ ParameterName: unknown }> }> };
    // Assess
    expect(distribution.Distributions[0]?.SsmParameterConfigurations[0]?.ParameterName).toEqual({ Ref: 'SensorAmiParameter' });
    expect(resource('SensorAmiParameter').Properties?.Name).toBe('/mirrorhunt/dev/sensor-ami-id');
  });

  it('resolves the stage in every image resource name and leaves no Serverless variable in component documents', () => {
    // Act
    const imageBuilder = Object.entries(template.Resources).filter(([, r]) => r.Type.startsWith('AWS::ImageBuilder::'));
    // Assess
    expect(imageBuilder.map(([id]) => id).sort()).toEqual([
      'SensorHardeningComponent',
      'SensorImageDistribution',
      'SensorImageInfrastructure',
      'SensorImagePipeline',
      'SensorImageRecipe',
      'SensorNodeComponent',
      'SensorScriptsComponent',
      'SensorShipperComponent',
      'SensorZeekComponent',
    ].sort());
    for (const [, r] of imageBuilder) expect(String(r.Properties?.Name)).toMatch(/^mirrorhunt-dev-/);
    for (const [, r] of imageBuilder.filter(([, r]) => r.Type === 'AWS::ImageBuilder::Component')) expect(String(r.Properties?.Data)).not.toContain('${');
  });

  it('lets the sensor instance only put objects under its log and status prefixes', () => {
    // Act
    const role = resource('SensorRole').Properties as { Policies: Array<{ PolicyDocument: { Statement: Array<{ Effect: string; Action: unknown; Resource: unknown }> } }> };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    // Assess
    expect(statements.map((s) => [s.Effect, s.Action])).toEqual([['Allow', 's3:PutObject']]);
    expect(JSON.stringify(statements[0]?.Resource)).toMatch(/zeek\/\*.*sensor-status\/\*/);
  });
});
