import { parseConfig } from '../../../../functions/shared/config';
import { FUNCTION_CONFIGS } from '../../../../functions/shared/function-configs';
import { ConfigError } from '../../../../functions/shared/errors';

describe('FUNCTION_CONFIGS', () => {
  it('refuses a function its required setting, naming the environment variable', () => {
    const config = parseConfig({ MIRRORHUNT_STACK: 'mirrorhunt-dev', SENSOR_AMI_PARAMETER: '/mirrorhunt/dev/sensor-ami-id' });
    expect(() => FUNCTION_CONFIGS.launchSensor.pick(config)).toThrow(ConfigError);
    expect(() => FUNCTION_CONFIGS.launchSensor.pick(config)).toThrow(/LOG_BUCKET/);
  });

  it('hands back the settings, the required ones present', () => {
    const config = parseConfig({ LOG_BUCKET: 'mirrorhunt-logs', MIRRORHUNT_STACK: 'mirrorhunt-dev', SENSOR_AMI_PARAMETER: '/p', SENSOR_SUBNETS: 'us-east-1a=subnet-0123456789abcdef0' });
    const picked = FUNCTION_CONFIGS.launchSensor.pick(config);
    expect(picked.logBucket.length).toBeGreaterThan(0);
    expect(picked.sensorSubnets).toEqual({ 'us-east-1a': 'subnet-0123456789abcdef0' });
  });

  it('lists every variable of a compound setting (the mirror scope reads six)', () => {
    expect(FUNCTION_CONFIGS.autoMirror.env).toEqual(expect.arrayContaining(['MIRROR_VPC_IDS', 'MIRROR_SUBNET_IDS', 'MIRROR_OPT_IN_TAGS', 'MIRROR_OPT_OUT_TAGS', 'MIRROR_SCOPE_COMBINE', 'MIRROR_ENI_MODE']));
  });
});
