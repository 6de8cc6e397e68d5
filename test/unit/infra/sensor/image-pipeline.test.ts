import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse, type ScalarTag } from 'yaml';
import { COMPONENT_DATA_LIMIT, imageFiles, PIPELINE_YAML, renderImagePipeline } from '../../../../infra/sensor/image-pipeline';
import { SpecChecker } from '../../../support/spec-check';
import type { CfnResource, CfnTemplate } from '../../../support/template';

/** CloudFormation's short-form tags, as the long form the spec checker understands. */
const cfnTags: ScalarTag[] = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
];

const committed = readFileSync(PIPELINE_YAML, 'utf8');
const fragment = parse(committed.replace(/\$\{sls:stage\}/g, 'dev'), { customTags: cfnTags }) as CfnTemplate;
const resources = fragment.Resources;
const ofType = (type: string): Array<[string, CfnResource]> => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (id: string) => resources[id]?.Properties as Record<string, unknown>;

const WRITE = /^\s*- echo '([A-Za-z0-9+/=]+)' \| base64 -d \| gunzip > '([^']+)'$/gm;
/** What each component document writes into the image: path -> content. */
function writtenFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const [, component] of ofType('AWS::ImageBuilder::Component')) {
    for (const match of String(component.Properties?.Data).matchAll(WRITE)) {
      files.set(match[2] as string, gunzipSync(Buffer.from(match[1] as string, 'base64')));
    }
  }
  return files;
}

/** The YAML with the encoded blobs and the versions derived from them replaced by content hashes. */
function normalised(yaml: string): string {
  return yaml
    .replace(/echo '([A-Za-z0-9+/=]+)'/g, (_m, b64: string) => `echo sha256:${createHash('sha256').update(gunzipSync(Buffer.from(b64, 'base64'))).digest('hex')}`)
    .replace(/^(\s+Version: )1\.0\.\d+$/gm, '$1<derived>');
}

describe('infra/sensor/image-pipeline.yml', () => {
  it('is what the generator makes from the current files (run npx tsx infra/sensor/image-pipeline.ts if not)', async () => {
    // Act
    const fresh = await renderImagePipeline();
    // Assess
    expect(normalised(committed)).toBe(normalised(fresh));
  });

  it('writes every script, unit and the bundled shipper into the image byte for byte', async () => {
    // Prepare
    const expected = await imageFiles();
    // Act
    const written = writtenFiles();
    // Assess
    expect([...written.keys()].sort()).toEqual(expected.map((f) => f.path).sort());
    for (const file of expected) expect(written.get(file.path)?.equals(file.content)).toBe(true);
  });

  it('passes the offline CloudFormation schema check alongside the resources it references', async () => {
    // Prepare: the resources infra/storage.yml and infra/sensor.yml own, reduced to valid stubs.
    const template: CfnTemplate = {
      Resources: {
        ...resources,
        LogBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        SensorAmiParameter: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'ami-00000000000000000' } },
      },
    };
    const checker = await SpecChecker.load();
    // Act
    const problems = checker.check(template);
    // Assess
    expect(problems).toEqual([]);
  });

  it('does not declare the resources other stack files own', () => {
    expect(Object.keys(resources).filter((id) => ['LogBucket', 'SensorRole', 'SensorInstanceProfile', 'SensorAmiParameter'].includes(id))).toEqual([]);
  });

  it('publishes the built AMI id into the parameter launchSensor reads', () => {
    // Act
    const [[, distribution]] = ofType('AWS::ImageBuilder::DistributionConfiguration') as [[string, CfnResource]];
    // Assess
    const [target] = (distribution.Properties?.Distributions as Array<Record<string, unknown>>) ?? [];
    expect(target?.SsmParameterConfigurations).toEqual([{ ParameterName: { Ref: 'SensorAmiParameter' }, DataType: 'text' }]);
  });

  // Image Builder guide, "Prerequisites for SSM output parameters"
  // (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html):
  // the distribution writes the parameter as the pipeline's execution role, which must allow
  // ssm:PutParameter on that parameter. Without an execution role Image Builder uses its
  // service-linked role, whose policy covers only parameter/imagebuilder/*.
  it('runs the pipeline as an execution role that Image Builder assumes and that may put exactly the sensor AMI parameter', () => {
    // Act
    const pipeline = props('SensorImagePipeline');
    const role = props('SensorImageExecutionRole');
    const statements = (role.Policies as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>).flatMap((p) => p.PolicyDocument.Statement);
    // Assess
    expect(pipeline.ExecutionRole).toEqual({ 'Fn::GetAtt': ['SensorImageExecutionRole', 'Arn'] });
    expect(role.AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Effect: 'Allow', Principal: { Service: 'imagebuilder.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const puts = statements.filter((st) => [st.Action].flat().includes('ssm:PutParameter'));
    expect(puts).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SensorAmiParameter}' } })]);
    expect(role.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/EC2ImageBuilderExecutionPolicy' }]);
  });

  it('outputs the pipeline ARN that the deploy guide tells you to start', () => {
    expect(fragment.Outputs?.SensorImagePipelineArn).toEqual({ Value: { Ref: 'SensorImagePipeline' } });
  });

  it('wires recipe, infrastructure and distribution into one enabled pipeline with image tests', () => {
    // Act
    const pipeline = props('SensorImagePipeline');
    // Assess
    expect(pipeline).toMatchObject({
      ImageRecipeArn: { Ref: 'SensorImageRecipe' },
      InfrastructureConfigurationArn: { Ref: 'SensorImageInfrastructure' },
      DistributionConfigurationArn: { Ref: 'SensorImageDistribution' },
      Status: 'ENABLED',
      ImageTestsConfiguration: { ImageTestsEnabled: true },
    });
    const recipeComponents = (props('SensorImageRecipe').Components as Array<{ ComponentArn: { Ref: string } }>).map((c) => c.ComponentArn.Ref);
    expect(recipeComponents.sort()).toEqual(ofType('AWS::ImageBuilder::Component').map(([id]) => id).sort());
  });

  it('builds with IMDSv2 only and an encrypted root volume', () => {
    expect(props('SensorImageInfrastructure').InstanceMetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(props('SensorImageRecipe').BlockDeviceMappings).toEqual([expect.objectContaining({ Ebs: expect.objectContaining({ Encrypted: true }) })]);
  });

  it('lets the build instance write only its own logs in the log bucket', () => {
    // Act
    const statements = (props('SensorImageBuilderRole').Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>).flatMap((p) => p.PolicyDocument.Statement);
    // Assess
    expect(statements).toEqual([{ Sid: 'WriteBuildLogs', Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Sub': '${LogBucket.Arn}/image-builder/*' } }]);
  });

  it('installs Zeek from the Zeek project package repository and masks the SSH daemon', () => {
    // Act
    const data = ofType('AWS::ImageBuilder::Component').map(([, c]) => String(c.Properties?.Data)).join('\n');
    // Assess
    expect(data).toContain('https://download.opensuse.org/repositories/security:/zeek/xUbuntu_24.04/');
    expect(data).toMatch(/apt-get install .*zeek-lts/);
    expect(data).toContain('systemctl mask ssh.socket ssh.service');
  });

  it.each(ofType('AWS::ImageBuilder::Component').map(([id, c]) => [id, String(c.Properties?.Data)]))('%s is a valid AWSTOE document within the size limit and free of Serverless variables', (_id, data) => {
    // Act
    const document = parse(data) as { schemaVersion: number; phases: Array<{ name: string; steps: unknown[] }> };
    // Assess
    expect(data.length).toBeLessThanOrEqual(COMPONENT_DATA_LIMIT);
    expect(data).not.toContain('${');
    expect(document.schemaVersion).toBe(1);
    expect(document.phases.map((p) => p.name)).toContain('build');
  });
});
