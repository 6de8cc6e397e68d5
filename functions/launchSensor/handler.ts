import { required } from '../shared/config';
import { createSensorSecurityGroup, runSensorInstance } from '../shared/adapters/ec2';
import { getParameter } from '../shared/adapters/ssm';
import { clientToken, vniForIncident } from '../shared/domain/ids';
import { SENSOR_LOG_PREFIX, SENSOR_STATUS_PREFIX } from '../shared/domain/layout';
import { asState, type SensorInfo } from '../shared/domain/state';
import { renderSensorUserData } from '../shared/domain/user-data';
import { incidentTags, TAG_SOURCE_INSTANCE } from '../shared/tags';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Time the shipper needs after a rotation to gzip and upload the file, with room for a retry. */
const FLUSH_UPLOAD_SECONDS = 30;

/**
 * Launches the incident's Zeek sensor in the source's subnet (same AZ: no cross-AZ mirroring
 * charges), behind a security group that admits only VXLAN from the VPC, with IMDSv2 required.
 */
export const launchSensor = (deps: Deps) => {
  const bucket = required(deps.config, 'logBucket');
  const amiParameter = required(deps.config, 'sensorAmiParameter');
  const stack = required(deps.config, 'stack');
  return async (input: unknown): Promise<SensorInfo> => {
    const state = asState(input);
    const { incidentId, target } = state;
    const extra = { [TAG_SOURCE_INSTANCE]: target.instanceId };
    const vni = vniForIncident(incidentId);
    const userData = renderSensorUserData({
      incidentId,
      bucket,
      prefix: SENSOR_LOG_PREFIX,
      vni,
      rotateSeconds: deps.config.sensorRotateSeconds,
      mode: 'incident',
      statusPrefix: SENSOR_STATUS_PREFIX,
    });
    const imageId = await getParameter(deps.clients.ssm, amiParameter);
    const securityGroupId = await createSensorSecurityGroup(deps.clients.ec2, {
      vpcId: target.vpcId,
      incidentId,
      stack,
      cidrs: target.cidrs,
      tags: incidentTags(stack, incidentId, 'sensor-security-group', extra),
    });
    const { instanceId } = await runSensorInstance(deps.clients.ec2, {
      imageId,
      instanceType: deps.config.sensorInstanceType,
      subnetId: target.subnetId,
      securityGroupId,
      instanceProfileArn: deps.config.sensorInstanceProfileArn,
      userData,
      clientToken: clientToken(stack, incidentId, 'sensor'),
      tags: incidentTags(stack, incidentId, 'sensor', extra),
    });
    deps.logger.info('sensor launched', { incidentId, instanceId, securityGroupId });
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

export const handler = lambdaHandler(launchSensor);
