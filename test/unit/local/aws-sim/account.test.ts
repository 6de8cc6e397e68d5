import { DescribeVpcsCommand, EC2ServiceException } from '@aws-sdk/client-ec2';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { PublishCommand } from '@aws-sdk/client-sns';
import { deleteObjectIfUnchanged, getObjectVersioned } from '../../../../functions/shared/adapters/s3';
import { SimClock } from '../../../../local/aws-sim/clock';
import { SimulatedAccount } from '../../../../local/aws-sim/account';
import { tempDir } from '../../../support/temp';

function account() {
  const a = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sim-') });
  a.s3.createBucket('logs-bucket');
  a.ec2.createVpc({ cidrBlocks: ['10.0.0.0/16'], disassociatedCidrBlocks: ['10.9.0.0/16'] });
  return a;
}

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('simulated account', () => {
  it('answers through the real SDK client and records each call', async () => {
    const a = account();
    const out = await a.clients().ec2.send(new DescribeVpcsCommand({}));
    expect(out.Vpcs?.[0]?.CidrBlockAssociationSet?.map((c) => c.CidrBlockState?.State)).toEqual(['associated', 'disassociated']);
    expect(a.calls.map((c) => `${c.service}:${c.operation}`)).toEqual(['ec2:DescribeVpcs']);
  });

  it('throws the service exception class named by the AWS code', async () => {
    const a = account();
    const error = await failure(a.clients().ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-00000000'] })));
    expect(error).toBeInstanceOf(EC2ServiceException);
    expect(error.name).toBe('InvalidVpcID.NotFound');
  });

  it('fails exactly the call at the injected index, once', async () => {
    const a = account();
    a.faults.inject({ callIndex: 1, kind: 'throttle' });
    const ec2 = a.clients().ec2;
    await ec2.send(new DescribeVpcsCommand({}));
    expect((await failure(ec2.send(new DescribeVpcsCommand({})))).name).toBe('RequestLimitExceeded');
    await expect(ec2.send(new DescribeVpcsCommand({}))).resolves.toBeDefined();
  });

  it('makes the change and then loses the answer for an "after" fault', async () => {
    const a = account();
    a.faults.inject({ operation: 'PutObject', code: 'TimeoutError', when: 'after' });
    const s3 = a.clients().s3;
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'a.txt', Body: 'x' })))).name).toBe('TimeoutError');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'logs-bucket', Key: 'a.txt' }));
    expect(head.ContentLength).toBe(1);
  });

  it('refuses a conditional write over an existing key with 412 PreconditionFailed', async () => {
    const a = account();
    const s3 = a.clients().s3;
    await s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'claims/i-1.json', Body: '{}', IfNoneMatch: '*' }));
    const error = await failure(s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'claims/i-1.json', Body: '{"b":1}', IfNoneMatch: '*' })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['PreconditionFailed', 412]);
  });

  it('deletes a claim only while it is the version read: one rewritten since (If-Match on the ETag) stays', async () => {
    // Prepare: our claim is read, then another investigation replaces it.
    const a = account();
    const s3 = a.clients().s3;
    await s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'claims/i-1.json', Body: '{"incidentId":"gd-old"}' }));
    const ours = await getObjectVersioned(s3, 'logs-bucket', 'claims/i-1.json');
    await s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'claims/i-1.json', Body: '{"incidentId":"gd-new"}' }));

    // Act
    const deletedStale = await deleteObjectIfUnchanged(s3, 'logs-bucket', 'claims/i-1.json', ours?.etag as string);
    const theirs = await getObjectVersioned(s3, 'logs-bucket', 'claims/i-1.json');
    const deletedCurrent = await deleteObjectIfUnchanged(s3, 'logs-bucket', 'claims/i-1.json', theirs?.etag as string);

    // Assess
    expect([deletedStale, theirs?.text, deletedCurrent]).toEqual([false, '{"incidentId":"gd-new"}', true]);
    expect(await getObjectVersioned(s3, 'logs-bucket', 'claims/i-1.json')).toBeUndefined();
    expect(await deleteObjectIfUnchanged(s3, 'logs-bucket', 'claims/i-1.json', theirs?.etag as string)).toBe(false);
  });

  it('names a missing object NoSuchKey on GetObject and NotFound on HeadObject', async () => {
    const s3 = account().clients().s3;
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: 'logs-bucket', Key: 'nope' })))).name).toBe('NoSuchKey');
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'logs-bucket', Key: 'nope' })))).name).toBe('NotFound');
  });

  it('reads back an object body with the SDK stream helpers', async () => {
    const s3 = account().clients().s3;
    await s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: 'r/report.json', Body: '{"ok":true}' }));
    const out = await s3.send(new GetObjectCommand({ Bucket: 'logs-bucket', Key: 'r/report.json' }));
    expect(await out.Body?.transformToString()).toBe('{"ok":true}');
  });

  it('lists keys in order, a page at a time', async () => {
    const a = account();
    for (const k of ['z/1', 'a/2', 'a/1']) a.s3.putFile('logs-bucket', k, 'x');
    const s3 = a.clients().s3;
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'logs-bucket', MaxKeys: 2 }));
    const second = await s3.send(new ListObjectsV2Command({ Bucket: 'logs-bucket', MaxKeys: 2, ContinuationToken: first.NextContinuationToken }));
    expect([...(first.Contents ?? []), ...(second.Contents ?? [])].map((o) => o.Key)).toEqual(['a/1', 'a/2', 'z/1']);
  });

  it('refuses keys that would escape the bucket folder', async () => {
    const s3 = account().clients().s3;
    expect((await failure(s3.send(new PutObjectCommand({ Bucket: 'logs-bucket', Key: '../outside', Body: 'x' })))).name).toBe('InvalidArgument');
  });

  it('answers a missing SSM parameter with ParameterNotFound', async () => {
    const ssm = account().clients().ssm;
    expect((await failure(ssm.send(new GetParameterCommand({ Name: '/nope' })))).name).toBe('ParameterNotFound');
  });

  it('keeps what is published to a topic and refuses an unknown topic', async () => {
    const a = account();
    const arn = a.sns.createTopic('notify');
    await a.clients().sns.send(new PublishCommand({ TopicArn: arn, Subject: 's', Message: 'm' }));
    expect(a.sns.messages().map((m) => m.Message)).toEqual(['m']);
    expect((await failure(a.clients().sns.send(new PublishCommand({ TopicArn: `${arn}-x`, Message: 'm' })))).name).toBe('NotFoundException');
  });
});
