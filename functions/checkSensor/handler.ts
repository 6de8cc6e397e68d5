import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { describeSensor } from '../shared/adapters/ec2';
import { objectExists } from '../shared/adapters/s3';
import { sensorReadyKey } from '../shared/domain/layout';
import { asState, requireSlice, type SensorStatus } from '../shared/domain/state';
import { SensorFailedError } from '../shared/errors';
import { lambdaHandler, type Deps } from '../shared/runtime';

const DEAD_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/**
 * One poll of the sensor: running, and its bootstrap has reported that Zeek is capturing. The
 * state machine owns the loop and its bound; this counts the attempts it is bounded by.
 */
export const checkSensor = (deps: Deps<'ec2' | 's3'>) => {
  const config = FUNCTION_CONFIGS.checkSensor.pick(deps.config);
  const bucket = config.logBucket;
  return async (input: unknown): Promise<SensorStatus> => {
    const state = asState(input);
    const sensor = requireSlice(state, 'sensor');
    const attempts = (state.sensorStatus?.attempts ?? 0) + 1;
    const checkedAt = deps.now().toISOString();
    const instance = await describeSensor(deps.clients.ec2, sensor.instanceId);
    if (!instance) return { ready: false, state: 'not-visible-yet', attempts, checkedAt };
    if (DEAD_STATES.has(instance.state)) {
      throw new SensorFailedError(`sensor ${sensor.instanceId} is ${instance.state} before it became ready`);
    }
    const networkInterfaceId = instance.networkInterfaces.find((e) => e.deviceIndex === 0)?.networkInterfaceId;
    if (instance.state !== 'running') return { ready: false, state: instance.state, attempts, checkedAt, networkInterfaceId };
    const ready = await objectExists(deps.clients.s3, bucket, sensorReadyKey(sensor.instanceId));
    return { ready, state: ready ? 'capturing' : 'booting', attempts, checkedAt, networkInterfaceId };
  };
};

export const handler = lambdaHandler(checkSensor, { ec2: EC2Client, s3: S3Client });
