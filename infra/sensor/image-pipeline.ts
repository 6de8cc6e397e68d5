import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Generates infra/sensor/image-pipeline.yml, the EC2 Image Builder resources that bake the
 * sensor image. The image's own files (scripts, units, the bundled shipper) travel inside the
 * component documents, gzipped and base64-encoded: the stack then needs no artifact bucket
 * upload, and base64 never contains `${`, which Serverless would try to resolve as a variable.
 * Run `npx tsx infra/sensor/image-pipeline.ts` after changing anything under files/;
 * test/unit/infra/sensor/image-pipeline.test.ts fails while the YAML is stale.
 */

const ROOT = join(__dirname, '..', '..');
const FILES = join(__dirname, 'files');
export const PIPELINE_YAML = join(__dirname, 'image-pipeline.yml');

/** Image Builder rejects component documents longer than this. */
export const COMPONENT_DATA_LIMIT = 16_000;

export interface ImageFile {
  path: string;
  mode: string;
  content: Buffer;
}

/** The shipper as it runs on the sensor: one file, the S3 client installed beside it by npm. */
export async function bundleShipper(): Promise<Buffer> {
  const result = await build({
    entryPoints: [join(FILES, 'shipper', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no shipper bundle');
  return Buffer.from(output.contents);
}

/** Every file the image carries, with where it goes and its mode. */
export async function imageFiles(): Promise<ImageFile[]> {
  const scripts = readdirSync(join(FILES, 'bin'))
    .filter((name) => name.endsWith('.sh'))
    .sort()
    .map((name) => ({ path: `/opt/mirrorhunt/bin/${name}`, mode: '0755', content: readFileSync(join(FILES, 'bin', name)) }));
  const units = readdirSync(join(FILES, 'systemd'))
    .filter((name) => name.endsWith('.service'))
    .sort()
    .map((name) => ({ path: `/etc/systemd/system/${name}`, mode: '0644', content: readFileSync(join(FILES, 'systemd', name)) }));
  const readme = { path: '/opt/mirrorhunt/README.md', mode: '0644', content: readFileSync(join(__dirname, 'README.md')) };
  const shipper = { path: '/opt/mirrorhunt/shipper/shipper.js', mode: '0644', content: await bundleShipper() };
  return [...scripts, ...units, shipper, readme];
}

/** The @aws-sdk/client-s3 version the tests ran against, installed the same on the sensor. */
export function s3ClientVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@aws-sdk', 'client-s3', 'package.json'), 'utf8')) as { version: string };
  if (!/^\d+\.\d+\.\d+$/.test(pkg.version)) throw new Error(`unexpected @aws-sdk/client-s3 version ${pkg.version}`);
  return pkg.version;
}

const encode = (content: Buffer) => gzipSync(content, { level: 9 }).toString('base64');

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => (line.length > 0 ? ' '.repeat(spaces) + line : line))
    .join('\n');

/** A component version that changes with its document, because Image Builder versions are immutable. */
function versionOf(text: string): string {
  return `1.0.${parseInt(createHash('sha256').update(text).digest('hex').slice(0, 6), 16)}`;
}

function zeekComponent(): string {
  return `name: mirrorhunt-zeek
description: Zeek from the Zeek project's own package repository (openSUSE Build Service), plus capture tools.
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallZeek
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - export DEBIAN_FRONTEND=noninteractive
            - apt-get update
            - apt-get install -y --no-install-recommends ca-certificates curl gnupg ethtool nftables iproute2
            - curl -fsSL https://download.opensuse.org/repositories/security:zeek/xUbuntu_24.04/Release.key | gpg --dearmor --yes -o /usr/share/keyrings/zeek.gpg
            - echo 'deb [signed-by=/usr/share/keyrings/zeek.gpg] https://download.opensuse.org/repositories/security:/zeek/xUbuntu_24.04/ /' > /etc/apt/sources.list.d/zeek.list
            - apt-get update
            - apt-get install -y --no-install-recommends zeek-lts
  - name: validate
    steps:
      - name: ZeekRuns
        action: ExecuteBash
        inputs:
          commands:
            - /opt/zeek/bin/zeek --version
`;
}

function nodeComponent(): string {
  return `name: mirrorhunt-node
description: Node.js 22 from NodeSource's package repository, for the shipper.
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallNode
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - export DEBIAN_FRONTEND=noninteractive
            - curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /usr/share/keyrings/nodesource.gpg
            - echo 'deb [signed-by=/usr/share/keyrings/nodesource.gpg] https://deb.nodesource.com/node_22.x nodistro main' > /etc/apt/sources.list.d/nodesource.list
            - apt-get update
            - apt-get install -y --no-install-recommends nodejs
  - name: validate
    steps:
      - name: NodeRuns
        action: ExecuteBash
        inputs:
          commands:
            - node --version
`;
}

function writeSteps(files: ImageFile[]): string {
  return files
    .flatMap((file) => [
      `            - echo '${encode(file.content)}' | base64 -d | gunzip > '${file.path}'`,
      `            - chmod ${file.mode} '${file.path}'`,
    ])
    .join('\n');
}

function scriptsComponent(files: ImageFile[]): string {
  return `name: mirrorhunt-sensor-scripts
description: The mirrorhunt bootstrap scripts and systemd units (generated by infra/sensor/image-pipeline.ts).
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: CreateServiceUser
        action: ExecuteBash
        inputs:
          commands:
            - id -u mirrorhunt >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/spool/mirrorhunt --shell /usr/sbin/nologin mirrorhunt
      - name: WriteFiles
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - install -d -m 0755 /opt/mirrorhunt/bin /etc/mirrorhunt
${writeSteps(files)}
      - name: EnableUnits
        action: ExecuteBash
        inputs:
          commands:
            - systemctl daemon-reload
            - systemctl enable mirrorhunt-bootstrap.service mirrorhunt-shipper.service mirrorhunt-zeek.service
  - name: validate
    steps:
      - name: ScriptsAndUnitsParse
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - for script in /opt/mirrorhunt/bin/*.sh; do bash -n "$script"; done
            - systemd-analyze verify /etc/systemd/system/mirrorhunt-*.service
  - name: test
    steps:
      - name: ZeekAcceptsThePolicy
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - /opt/mirrorhunt/bin/mirrorhunt-zeek-config.sh 60 /var/spool/mirrorhunt > /tmp/mirrorhunt-policy-check.zeek
            - /opt/zeek/bin/zeek -a local /tmp/mirrorhunt-policy-check.zeek
`;
}

function shipperComponent(files: ImageFile[], sdkVersion: string): string {
  return `name: mirrorhunt-sensor-shipper
description: The mirrorhunt shipper, bundled by esbuild, and its S3 client (generated by infra/sensor/image-pipeline.ts).
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: WriteFiles
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - install -d -m 0755 /opt/mirrorhunt/shipper
${writeSteps(files)}
      - name: InstallShipperDependencies
        action: ExecuteBash
        inputs:
          commands:
            - cd /opt/mirrorhunt/shipper && npm install --omit=dev --no-audit --no-fund --no-save @aws-sdk/client-s3@${sdkVersion}
  - name: validate
    steps:
      - name: ShipperLoads
        action: ExecuteBash
        inputs:
          commands:
            - cd /opt/mirrorhunt/shipper && node -e "require('@aws-sdk/client-s3')"
`;
}

function hardeningComponent(): string {
  return `name: mirrorhunt-hardening
description: No SSH daemon on the sensor; it is reached, if ever, through Session Manager.
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: MaskSsh
        action: ExecuteBash
        inputs:
          commands:
            - systemctl disable --now ssh.socket ssh.service || true
            - systemctl mask ssh.socket ssh.service
  - name: validate
    steps:
      - name: SshMasked
        action: ExecuteBash
        inputs:
          commands:
            - test "$(systemctl is-enabled ssh.service || true)" = masked
`;
}

function componentResource(logicalId: string, name: string, description: string, data: string): string {
  if (data.length > COMPONENT_DATA_LIMIT) throw new Error(`${name}: component document is ${data.length} characters, over ${COMPONENT_DATA_LIMIT}`);
  return `  ${logicalId}:
    Type: AWS::ImageBuilder::Component
    Properties:
      Name: mirrorhunt-\${sls:stage}-${name}
      Version: ${versionOf(data)}
      Platform: Linux
      SupportedOsVersions:
        - Ubuntu 24
      Description: ${description}
      Data: |
${indent(data, 8)}`;
}

export async function renderImagePipeline(): Promise<string> {
  const files = await imageFiles();
  const components = [
    { id: 'SensorZeekComponent', name: 'zeek', description: 'Zeek from its own package repository', data: zeekComponent() },
    { id: 'SensorNodeComponent', name: 'node', description: 'Node.js for the shipper', data: nodeComponent() },
    { id: 'SensorScriptsComponent', name: 'sensor-scripts', description: 'Bootstrap scripts and systemd units', data: scriptsComponent(files.filter((f) => !f.path.startsWith('/opt/mirrorhunt/shipper/') && !f.path.endsWith('README.md'))) },
    { id: 'SensorShipperComponent', name: 'sensor-shipper', description: 'The shipper and its S3 client', data: shipperComponent(files.filter((f) => f.path.startsWith('/opt/mirrorhunt/shipper/') || f.path.endsWith('README.md')), s3ClientVersion()) },
    { id: 'SensorHardeningComponent', name: 'hardening', description: 'No SSH daemon', data: hardeningComponent() },
  ];
  const recipeVersion = versionOf(components.map((c) => c.data).join('\0'));
  return `# GENERATED by infra/sensor/image-pipeline.ts from infra/sensor/files/ - do not edit by hand.
# EC2 Image Builder pipeline that bakes the mirrorhunt Zeek sensor image and publishes its AMI id
# to the SSM parameter the launchSensor function reads (SensorAmiParameter). The pipeline runs
# weekly when its parent image or packages changed, and on demand:
#   aws imagebuilder start-image-pipeline-execution --image-pipeline-arn <SensorImagePipelineArn output>
# It references LogBucket and SensorAmiParameter, which infra/storage.yml and infra/sensor.yml own.
Outputs:
  # Ref on AWS::ImageBuilder::ImagePipeline is the pipeline's ARN (CloudFormation reference, Return values).
  SensorImagePipelineArn:
    Value: !Ref SensorImagePipeline
Resources:
${components.map((c) => componentResource(c.id, c.name, c.description, c.data)).join('\n')}
  SensorImageRecipe:
    Type: AWS::ImageBuilder::ImageRecipe
    Properties:
      Name: mirrorhunt-\${sls:stage}-sensor
      Version: ${recipeVersion}
      Description: Ubuntu 24.04 with Zeek, the mirrorhunt bootstrap and shipper
      ParentImage: !Sub 'arn:\${AWS::Partition}:imagebuilder:\${AWS::Region}:aws:image/ubuntu-server-24-lts-x86/x.x.x'
      Components:
${components.map((c) => `        - ComponentArn: !Ref ${c.id}`).join('\n')}
      BlockDeviceMappings:
        - DeviceName: /dev/sda1
          Ebs:
            VolumeSize: 20
            VolumeType: gp3
            Encrypted: true
            DeleteOnTermination: true
      AmiTags:
        mirrorhunt:component: sensor-image

  # The build instance: Image Builder's own managed policies, plus writing its logs under
  # image-builder/ in the log bucket. Not the sensor's role: the sensor may write only logs.
  SensorImageBuilderRole:
    Type: AWS::IAM::Role
    Properties:
      Description: mirrorhunt sensor image build instance (\${sls:stage})
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: ec2.amazonaws.com
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub 'arn:\${AWS::Partition}:iam::aws:policy/EC2InstanceProfileForImageBuilder'
        - !Sub 'arn:\${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore'
      Policies:
        - PolicyName: write-build-logs
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: WriteBuildLogs
                Effect: Allow
                Action: s3:PutObject
                Resource: !Sub '\${LogBucket.Arn}/image-builder/*'

  SensorImageBuilderInstanceProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles:
        - !Ref SensorImageBuilderRole

  # Builds in the account's default VPC (the build needs the internet for the Zeek and Node
  # repositories); set SubnetId and SecurityGroupIds here to build elsewhere.
  SensorImageInfrastructure:
    Type: AWS::ImageBuilder::InfrastructureConfiguration
    Properties:
      Name: mirrorhunt-\${sls:stage}-sensor
      Description: Build and test instances for the mirrorhunt sensor image
      InstanceProfileName: !Ref SensorImageBuilderInstanceProfile
      InstanceTypes:
        - c6i.large
      InstanceMetadataOptions:
        HttpTokens: required
        HttpPutResponseHopLimit: 1
      TerminateInstanceOnFailure: true
      Logging:
        S3Logs:
          S3BucketName: !Ref LogBucket
          S3KeyPrefix: image-builder

  # The role Image Builder itself assumes to run the pipeline's build, test and distribution.
  # Without it Image Builder acts with its service-linked role, whose policy
  # (AWSServiceRoleForImageBuilder) may put SSM parameters only under /imagebuilder/: the
  # distribution below would never publish the AMI id. AWS's Image Builder guide, "Prerequisites
  # for SSM output parameters" (imagebuilder/latest/userguide/cr-upd-ami-distribution-settings):
  # the pipeline's execution role must allow ssm:PutParameter with the parameter as the resource
  # (and ec2:DescribeImages only for the aws:ec2:image data type, which we do not use). The rest of
  # the run is covered by the AWS managed EC2ImageBuilderExecutionPolicy (AWS managed policy
  # reference). The source-account condition keeps other accounts' pipelines from using it.
  SensorImageExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      Description: EC2 Image Builder runs the mirrorhunt sensor pipeline as this role (\${sls:stage})
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: imagebuilder.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
      ManagedPolicyArns:
        - !Sub 'arn:\${AWS::Partition}:iam::aws:policy/EC2ImageBuilderExecutionPolicy'
      Policies:
        - PolicyName: publish-sensor-ami-id
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: PublishSensorAmiId
                Effect: Allow
                Action: ssm:PutParameter
                Resource: !Sub 'arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${SensorAmiParameter}'

  # Publishing to SensorAmiParameter is how the workflow learns the new image. DataType text,
  # because the parameter starts as a placeholder that is not an AMI yet. Same account and
  # Region as the stack, so no AmiAccountId (that one is for a target account's parameter).
  SensorImageDistribution:
    Type: AWS::ImageBuilder::DistributionConfiguration
    Properties:
      Name: mirrorhunt-\${sls:stage}-sensor
      Description: Publishes the sensor AMI id to the SSM parameter launchSensor reads
      Distributions:
        - Region: !Ref AWS::Region
          AmiDistributionConfiguration:
            Name: 'mirrorhunt-\${sls:stage}-sensor-{{ imagebuilder:buildDate }}'
            Description: mirrorhunt Zeek sensor
            AmiTags:
              mirrorhunt:component: sensor-image
          SsmParameterConfigurations:
            - ParameterName: !Ref SensorAmiParameter
              DataType: text

  SensorImagePipeline:
    Type: AWS::ImageBuilder::ImagePipeline
    Properties:
      Name: mirrorhunt-\${sls:stage}-sensor
      Description: Bakes the mirrorhunt Zeek sensor image
      ImageRecipeArn: !Ref SensorImageRecipe
      InfrastructureConfigurationArn: !Ref SensorImageInfrastructure
      DistributionConfigurationArn: !Ref SensorImageDistribution
      ExecutionRole: !GetAtt SensorImageExecutionRole.Arn
      Status: ENABLED
      EnhancedImageMetadataEnabled: true
      ImageTestsConfiguration:
        ImageTestsEnabled: true
        TimeoutMinutes: 60
      Schedule:
        ScheduleExpression: 'cron(0 6 ? * mon *)'
        PipelineExecutionStartCondition: EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE
`;
}

if (require.main === module) {
  renderImagePipeline()
    .then((yaml) => {
      writeFileSync(PIPELINE_YAML, yaml);
      console.log(`wrote ${PIPELINE_YAML}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
