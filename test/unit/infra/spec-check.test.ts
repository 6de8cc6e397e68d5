import { SpecChecker } from '../../support/spec-check';

let checker: SpecChecker;
beforeAll(async () => {
  checker = await SpecChecker.load();
});

describe('resource schema check', () => {
  it('accepts a well-formed queue', () => {
    expect(checker.check({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 60 } } } })).toEqual([]);
  });

  it('reports a resource type that does not exist', () => {
    expect(checker.check({ Resources: { Thing: { Type: 'AWS::S3::Bucketz', Properties: {} } } })).toEqual(['Thing: unknown resource type AWS::S3::Bucketz']);
  });

  it('reports an unknown property nested inside a property type', () => {
    // Prepare
    const template = { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { PublicAccessBlockConfiguration: { BlockPublicAcl: true } } } } };

    // Act
    const problems = checker.check(template);

    // Assess
    expect(problems).toEqual(['Bucket.Properties.PublicAccessBlockConfiguration.BlockPublicAcl: unknown property']);
  });

  it('reports a missing required property', () => {
    expect(checker.check({ Resources: { Policy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'b' } } } })).toEqual([
      'Policy.Properties.PolicyDocument: required property missing',
    ]);
  });

  it('reports a value of the wrong shape', () => {
    expect(checker.check({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 'a week' } } } })).toEqual([
      'Queue.Properties.MessageRetentionPeriod: expected a number, got "a week"',
    ]);
  });

  it('reports an output whose value merges two intrinsic functions', () => {
    // Prepare
    const template = { Resources: { A: { Type: 'AWS::SQS::Queue' } }, Outputs: { Arn: { Value: { Ref: 'A', 'Fn::Sub': 'x' } } } };

    // Act / Assess
    expect(checker.check(template)).toEqual(['Outputs.Arn.Value: must be a string or one intrinsic function, got {"Ref":"A","Fn::Sub":"x"}']);
  });

  it('reports Ref, GetAtt and Sub references to resources or attributes that do not exist', () => {
    // Prepare
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        Alarm: {
          Type: 'AWS::SNS::Topic',
          Properties: { DisplayName: { 'Fn::GetAtt': ['Queue', 'Nope'] }, KmsMasterKeyId: { Ref: 'Missing' }, TopicName: { 'Fn::Sub': '${Gone.Arn}-${AWS::Region}' } },
        },
      },
    };

    // Act
    const problems = checker.check(template);

    // Assess
    expect(problems.sort()).toEqual(
      [
        'Resources.Alarm.Properties.DisplayName: AWS::SQS::Queue has no attribute Nope',
        'Resources.Alarm.Properties.KmsMasterKeyId: Ref to missing Missing',
        'Resources.Alarm.Properties.TopicName: Fn::Sub names missing Gone',
      ].sort(),
    );
  });
});
