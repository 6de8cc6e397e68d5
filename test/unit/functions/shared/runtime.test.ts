import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { TargetNotFoundError } from '../../../../functions/shared/errors';
import { lambdaHandler } from '../../../../functions/shared/runtime';

function lambdaContext(remainingMs: number): Context {
  return {
    functionName: 'mirrorhunt-dev-launchSensor',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:mirrorhunt-dev-launchSensor',
    memoryLimitInMB: '256',
    awsRequestId: 'req-0001',
    logGroupName: '/aws/lambda/mirrorhunt-dev-launchSensor',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Powertools writes JSON log lines to stdout, errors to stderr. */
function captureStdout(): { lines: () => Array<Record<string, unknown>>; restore: () => void } {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
  return {
    lines: () => written.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe('lambdaHandler', () => {
  it('builds only the clients the function declares and passes on the time Lambda says is left', async () => {
    // Act
    const handler = lambdaHandler((deps) => async () => ({ clients: Object.keys(deps.clients), left: deps.remainingMs?.() }), { s3: S3Client });
    const out = await handler({}, lambdaContext(123_456));

    // Assess
    expect(out).toEqual({ clients: ['s3'], left: 123_456 });
  });

  it('rethrows a failure with its contract name and logs it once with the Lambda context and the incident id', async () => {
    // Prepare
    const stdout = captureStdout();
    const handler = lambdaHandler(() => async () => {
      throw new TargetNotFoundError('instance i-0a1b2c3d4e5f60718 was not found');
    });

    // Act
    let thrown: unknown;
    try {
      await handler({ incidentId: 'gd-abc' }, lambdaContext(1000));
    } catch (error) {
      thrown = error;
    } finally {
      stdout.restore();
    }

    // Assess
    expect((thrown as Error).name).toBe('TargetNotFoundError');
    const failures = stdout.lines().filter((l) => l.message === 'step failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ errorName: 'TargetNotFoundError', incidentId: 'gd-abc', function_request_id: 'req-0001', function_name: 'mirrorhunt-dev-launchSensor', cold_start: expect.any(Boolean) });
  });

  it('does not carry one invocation\'s incident id into the next', async () => {
    const stdout = captureStdout();
    const handler = lambdaHandler((deps) => async () => {
      deps.logger.info('working');
      return {};
    });
    try {
      await handler({ incidentId: 'gd-first' }, lambdaContext(1000));
      await handler({ somethingElse: true }, lambdaContext(1000));
    } finally {
      stdout.restore();
    }
    const working = stdout.lines().filter((l) => l.message === 'working');
    expect(working.map((l) => l.incidentId)).toEqual(['gd-first', undefined]);
  });
});
