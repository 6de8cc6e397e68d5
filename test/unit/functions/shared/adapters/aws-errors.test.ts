import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { translateAwsError } from '../../../../../functions/shared/adapters/aws-errors';
import { withBackoff } from '../../../../../functions/shared/workflows/backoff';
import { AwsAccessDeniedError, AwsCallError, AwsThrottledError, AwsTransientError } from '../../../../../functions/shared/errors';

const ec2Error = (name: string, status: number) => new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });
const noSleep = { retries: 3, baseMs: 1, maxMs: 1, sleep: async () => undefined };

describe('translating AWS errors into the names the state machine retries on', () => {
  it('names EC2 throttling AwsThrottledError', () => {
    expect(translateAwsError(ec2Error('RequestLimitExceeded', 503), 'RunInstances')).toBeInstanceOf(AwsThrottledError);
  });

  it('names a socket timeout AwsTransientError and says the call may have taken effect', () => {
    const error = translateAwsError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), 'RunInstances');
    expect([error instanceof AwsTransientError, error.message]).toEqual([true, expect.stringContaining('may have taken effect')]);
  });

  it('names any 5xx answer AwsTransientError', () => {
    expect(translateAwsError(ec2Error('SomethingNew', 503), 'DescribeInstances')).toBeInstanceOf(AwsTransientError);
  });

  it('names access denial AwsAccessDeniedError, never retried', () => {
    expect(translateAwsError(ec2Error('UnauthorizedOperation', 403), 'TerminateInstances')).toBeInstanceOf(AwsAccessDeniedError);
  });

  it('keeps the AWS code in the message of any other error', () => {
    const error = translateAwsError(ec2Error('InvalidParameterValue', 400), 'CreateTrafficMirrorSession');
    expect([error instanceof AwsCallError, error.message]).toEqual([true, expect.stringContaining('InvalidParameterValue')]);
  });
});

describe('withBackoff', () => {
  it('retries a transient failure until the call succeeds', async () => {
    let calls = 0;
    const result = await withBackoff(async () => {
      calls++;
      if (calls < 3) throw new AwsTransientError('timeout');
      return 'done';
    }, noSleep);
    expect([result, calls]).toEqual(['done', 3]);
  });

  it('does not retry a real answer', async () => {
    let calls = 0;
    await expect(
      withBackoff(async () => {
        calls++;
        throw new AwsCallError('InvalidParameterValue');
      }, noSleep),
    ).rejects.toBeInstanceOf(AwsCallError);
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries', async () => {
    let calls = 0;
    await expect(
      withBackoff(async () => {
        calls++;
        throw new AwsThrottledError('slow down');
      }, noSleep),
    ).rejects.toBeInstanceOf(AwsThrottledError);
    expect(calls).toBe(4);
  });
});
