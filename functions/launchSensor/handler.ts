import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { runSensorInstance } from '../shared/adapters/ec2/instances';
import { describeRouteTables } from '../shared/adapters/ec2/network';
import { createSecurityGroup } from '../shared/adapters/ec2/security-groups';
import { getParameter } from '../shared/adapters/ssm';
import { clientToken, vniForIncident } from '../shared/domain/ids';
import { SENSOR_LOG_PREFIX, SENSOR_STATUS_PREFIX } from '../shared/domain/layout';
import { s3Reachability, s3RouteFix, sensorLaunchSpec, sensorSecurityGroupSpec, sensorSubnet } from '../shared/domain/sensor';
import { asState, type SensorInfo } from '../shared/domain/state';
import { renderSensorUserData } from '../shared/domain/user-data';
import { SensorSubnetUnroutableError } from '../shared/errors';
import { incidentTags, TAG_SOURCE_INSTANCE } from '../shared/tags';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Time the shipper needs after a rotation to gzip and upload the file, with room for a retry. */
const FLUSH_UPLOAD_SECONDS = 30;

/**
 * Launches the incident's Zeek sensor in the source's AZ (no cross-AZ mirroring charges): the
 * dedicated sensor subnet there, else the source's own subnet, once its route table shows a way
 * to S3. Specs come from `domain/sensor.ts`; this only wires them to the adapters.
 */
export const launchSensor = (deps: Deps<'ec2' | 'ssm'>) => {
  const config = FUNCTION_CONFIGS.launchSensor.pick(deps.config);
  const bucket = config.logBucket;
  const amiParameter = config.sensorAmiParameter;
  const stack = config.stack;
  return async (input: unknown): Promise<SensorInfo> => {
    const state = asState(input);
    const { incidentId, target } = state;
    const ec2 = deps.clients.ec2;
    // The user data validates the incident id: bad input is refused before any AWS call.
    const vni = vniForIncident(incidentId);
    const userData = renderSensorUserData({ incidentId, bucket, prefix: SENSOR_LOG_PREFIX, vni, rotateSeconds: deps.config.sensorRotateSeconds, mode: 'incident', statusPrefix: SENSOR_STATUS_PREFIX });
    const subnetId = sensorSubnet(target, deps.config.sensorSubnets);
    const route = s3Reachability(await describeRouteTables(ec2, target.vpcId), subnetId);
    if (!route.reachable) throw new SensorSubnetUnroutableError(`the sensor would never report: ${route.reason}. Fix: ${s3RouteFix(target.availabilityZone)}`);
    const extra = { [TAG_SOURCE_INSTANCE]: target.instanceId };
    const imageId = await getParameter(deps.clients.ssm, amiParameter);
    const groupSpec = sensorSecurityGroupSpec({ stack, incidentId, vpcId: target.vpcId, cidrs: target.cidrs, tags: incidentTags(stack, incidentId, 'sensor-security-group', extra) });
    const securityGroupId = await createSecurityGroup(ec2, groupSpec, { incidentId, stack }, deps.consistency);
    const { instanceId } = await runSensorInstance(
      ec2,
      sensorLaunchSpec({
        imageId,
        instanceType: deps.config.sensorInstanceType,
        subnetId,
        securityGroupId,
        instanceProfileArn: deps.config.sensorInstanceProfileArn,
        userData,
        clientToken: clientToken(stack, incidentId, 'sensor'),
        tags: incidentTags(stack, incidentId, 'sensor', extra),
      }),
      deps.consistency,
    );
    deps.logger.info('sensor launched', { incidentId, instanceId, securityGroupId, subnetId, s3Route: route.via });
    return {
      instanceId,
      securityGroupId,
      imageId,
      instanceType: deps.config.sensorInstanceType,
      vni,
      launchedAt: deps.now().toISOString(),
      flushSeconds: deps.config.sensorRotateSeconds + FLUSH_UPLOAD_SECONDS,
    };
  };
};

export const handler = lambdaHandler(launchSensor, { ec2: EC2Client, ssm: SSMClient });
