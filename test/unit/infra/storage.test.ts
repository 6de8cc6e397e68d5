import { packagedTemplate, type CfnTemplate } from '../../support/template';

let template: CfnTemplate;
beforeAll(async () => {
  template = await packagedTemplate();
});

interface LifecycleRule {
  Prefix?: string;
  Status: string;
  ExpirationInDays?: number;
}

describe('log bucket', () => {
  it('encrypts objects at rest by default', () => {
    // Act
    const encryption = template.Resources.LogBucket!.Properties!.BucketEncryption as {
      ServerSideEncryptionConfiguration: Array<{ ServerSideEncryptionByDefault: { SSEAlgorithm: string } }>;
    };

    // Assess
    expect(['AES256', 'aws:kms']).toContain(encryption.ServerSideEncryptionConfiguration[0]!.ServerSideEncryptionByDefault.SSEAlgorithm);
  });

  it('blocks every kind of public access and enforces bucket ownership', () => {
    expect(template.Resources.LogBucket!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('denies any request that does not use TLS', () => {
    // Act
    const policy = template.Resources.LogBucketPolicy!.Properties!;
    const statements = (policy.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;

    // Assess
    expect(policy.Bucket).toEqual({ Ref: 'LogBucket' });
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('expires zeek logs after 30 days, athena results after 7, reports after 365, and never claims', () => {
    // Act
    const rules = (template.Resources.LogBucket!.Properties!.LifecycleConfiguration as { Rules: LifecycleRule[] }).Rules;
    const expiry = (prefix: string) => rules.find((r) => r.Prefix === prefix && r.Status === 'Enabled')?.ExpirationInDays;

    // Assess
    expect(expiry('zeek/')).toBe(30);
    expect(expiry('athena-results/')).toBe(7);
    expect(expiry('reports/')).toBe(365);
    expect(rules.filter((r) => r.ExpirationInDays !== undefined && (r.Prefix === undefined || 'claims/'.startsWith(r.Prefix)))).toEqual([]);
  });

  it('keeps evidence when the stack is deleted', () => {
    expect(template.Resources.LogBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});
