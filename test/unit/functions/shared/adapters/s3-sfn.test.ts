import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { putObjectIfAbsent } from '../../../../../functions/shared/adapters/s3';
import { executionArnFor, startExecution } from '../../../../../functions/shared/adapters/sfn';
import { AwsAccessDeniedError } from '../../../../../functions/shared/errors';

const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const s3 = new S3Client({ region: 'us-east-1' });
const sfn = new SFNClient({ region: 'us-east-1' });
const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate';

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
});

describe('putObjectIfAbsent', () => {
  it('writes with If-None-Match so only the first writer wins', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    await expect(putObjectIfAbsent(s3, 'b', 'claims/i-1.json', '{}')).resolves.toBe(true);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'b', Key: 'claims/i-1.json', IfNoneMatch: '*' });
  });

  it('reports false when S3 answers PreconditionFailed (the key exists)', async () => {
    s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'exists' }));
    await expect(putObjectIfAbsent(s3, 'b', 'k', '{}')).resolves.toBe(false);
  });

  it('does not mistake access denial for an existing claim', async () => {
    s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'no' }));
    await expect(putObjectIfAbsent(s3, 'b', 'k', '{}')).rejects.toThrow(AwsAccessDeniedError);
  });
});

describe('startExecution', () => {
  it('sends the name and the JSON input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${machine.replace(':stateMachine:', ':execution:')}:gd-1` });
    await expect(startExecution(sfn, machine, 'gd-1', { a: 1 })).resolves.toEqual({ started: true, executionArn: executionArnFor(machine, 'gd-1') });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: machine, name: 'gd-1', input: '{"a":1}' });
  });

  it('treats ExecutionAlreadyExists as the finding having been handled already', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new SFNServiceException({ name: 'ExecutionAlreadyExists', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'exists' }));
    await expect(startExecution(sfn, machine, 'gd-1', {})).resolves.toEqual({
      started: false,
      reason: 'already-exists',
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:mirrorhunt-dev-investigate:gd-1',
    });
  });
});
