import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CLAIM_ATTEMPTS, claimInstanceFor } from '../../../../../functions/shared/workflows/claim';
import { ClaimConflictError } from '../../../../../functions/shared/errors';

const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const clients = { s3: new S3Client({ region: 'us-east-1' }), sfn: new SFNClient({ region: 'us-east-1' }) };

const mine = { incidentId: 'gd-new', executionArn: 'arn:aws:states:us-east-1:111122223333:execution:m:gd-new', instanceId: 'i-0a1b2c3d4e5f60718', claimedAt: '2026-11-24T09:00:00Z' };
const old = { incidentId: 'gd-old', executionArn: 'arn:aws:states:us-east-1:111122223333:execution:m:gd-old', instanceId: mine.instanceId, claimedAt: '2026-11-23T09:00:00Z' };

const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
/** The stored claim as GetObject returns it (only the body's text is read). */
const stored = (doc: object, etag: string) => ({ Body: { transformToString: async () => JSON.stringify(doc) }, ETag: etag }) as unknown as GetObjectCommandOutput;

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
});

describe('claimInstanceFor', () => {
  it('takes over a claim whose execution was aborted, deleting only the version it read', async () => {
    // Prepare: the key exists (first conditional write refused) and holds gd-old's claim; gd-old was aborted
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({});
    s3Mock.on(GetObjectCommand).resolves(stored(old, '"etag-old"'));
    s3Mock.on(DeleteObjectCommand).resolves({});
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    const takeovers: string[] = [];

    // Act
    const result = await claimInstanceFor(clients, 'logs', mine, {}, { takeover: (stale) => takeovers.push(stale) });

    // Assess
    expect(result).toEqual({ claimed: true });
    expect(takeovers).toEqual(['gd-old']);
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: 'logs', Key: `claims/${mine.instanceId}.json`, IfMatch: '"etag-old"' });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: old.executionArn });
    expect(s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.IfNoneMatch)).toEqual(['*', '*']);
  });

  it('records the request against a claim whose execution is still running and does not claim', async () => {
    s3Mock.on(PutObjectCommand, { IfNoneMatch: '*' }).rejects(s3Error('PreconditionFailed', 412));
    s3Mock.on(PutObjectCommand, { Key: 'reports/gd-old/related-findings/gd-new.json' }).resolves({});
    s3Mock.on(GetObjectCommand).resolves(stored(old, '"etag-old"'));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    const result = await claimInstanceFor(clients, 'logs', mine, { reason: 'guardduty' });

    expect(result).toEqual({ claimed: false, heldBy: 'gd-old' });
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'reports/gd-old/related-findings/gd-new.json' });
  });

  it(`gives up with ClaimConflictError after ${CLAIM_ATTEMPTS} rounds when another investigation keeps replacing the stale claim first`, async () => {
    // Prepare: every conditional write and every conditional delete loses the race
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3Mock.on(GetObjectCommand).resolves(stored(old, '"etag-old"'));
    s3Mock.on(DeleteObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'TIMED_OUT' });

    // Act
    const attempt = claimInstanceFor(clients, 'logs', mine, {});

    // Assess
    await expect(attempt).rejects.toThrow(ClaimConflictError);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, CLAIM_ATTEMPTS);
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectCommand, CLAIM_ATTEMPTS);
  });
});
