import { s3Reachability, s3RouteFix, sensorLaunchSpec, sensorSecurityGroupSpec, sensorSubnet, type RouteTableView } from '../../../../../functions/shared/domain/sensor';

const local = { destinationCidr: '10.0.0.0/16', gatewayId: 'local', state: 'active' };
const table = (over: Partial<RouteTableView>): RouteTableView => ({ routeTableId: 'rtb-main', main: false, subnetIds: [], routes: [local], ...over });

describe('s3Reachability', () => {
  it('accepts an S3 gateway endpoint route on the subnet\'s own table', () => {
    const tables = [table({ routeTableId: 'rtb-main', main: true }), table({ routeTableId: 'rtb-a', subnetIds: ['subnet-a'], routes: [local, { destinationPrefixListId: 'pl-63a5400a', gatewayId: 'vpce-1', state: 'active' }] })];
    expect(s3Reachability(tables, 'subnet-a')).toEqual({ reachable: true, via: 'gateway endpoint vpce-1', routeTableId: 'rtb-a' });
  });

  it('falls back to the main table for a subnet with no explicit association', () => {
    const tables = [table({ routeTableId: 'rtb-main', main: true, routes: [local, { destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-1', state: 'active' }] }), table({ routeTableId: 'rtb-b', subnetIds: ['subnet-b'] })];
    expect(s3Reachability(tables, 'subnet-a')).toMatchObject({ reachable: true, via: 'default route to nat-1', routeTableId: 'rtb-main' });
  });

  it('refuses a public subnet: an internet gateway route is of no use to a sensor without a public address', () => {
    const tables = [table({ routeTableId: 'rtb-pub', subnetIds: ['subnet-a'], routes: [local, { destinationCidr: '0.0.0.0/0', gatewayId: 'igw-1', state: 'active' }] })];
    const verdict = s3Reachability(tables, 'subnet-a');
    expect(verdict.reachable).toBe(false);
    expect(verdict).toMatchObject({ routeTableId: 'rtb-pub', reason: expect.stringMatching(/public subnet.*internet gateway/) });
  });

  it('ignores a blackholed NAT route', () => {
    const tables = [table({ main: true, routes: [local, { destinationCidr: '0.0.0.0/0', natGatewayId: 'nat-gone', state: 'blackhole' }] })];
    expect(s3Reachability(tables, 'subnet-a')).toMatchObject({ reachable: false, reason: expect.stringMatching(/no route to S3/) });
  });

  it('refuses when no table applies at all', () => {
    expect(s3Reachability([], 'subnet-a').reachable).toBe(false);
  });
});

describe('sensor specs', () => {
  it('admit only VXLAN from the VPC, named per stage and incident', () => {
    const spec = sensorSecurityGroupSpec({ stack: 'mirrorhunt-prod', incidentId: 'gd-1', vpcId: 'vpc-1', cidrs: { ipv4: ['10.0.0.0/16'], ipv6: ['2600:1f18::/56'] }, tags: [] });
    expect(spec.groupName).toBe('mirrorhunt-prod-sensor-gd-1');
    expect(spec.ingress).toMatchObject({ protocol: 'udp', fromPort: 4789, toPort: 4789, ipv4: ['10.0.0.0/16'], ipv6: ['2600:1f18::/56'] });
  });

  it('launch without a public address, with IMDSv2 on one hop, terminating on shutdown', () => {
    const spec = sensorLaunchSpec({ imageId: 'ami-1', instanceType: 'c6i.large', subnetId: 's', securityGroupId: 'sg-1', userData: 'hi', clientToken: 't', tags: [] });
    expect(spec).toMatchObject({ associatePublicIpAddress: false, metadata: { httpTokens: 'required', hopLimit: 1 }, shutdownBehavior: 'terminate', userDataBase64: 'aGk=' });
  });

  it('use the dedicated sensor subnet of the target\'s AZ when there is one', () => {
    const target = { subnetId: 'subnet-target', availabilityZone: 'us-east-1a' };
    expect(sensorSubnet(target, { 'us-east-1a': 'subnet-sensor-a' })).toBe('subnet-sensor-a');
    expect(sensorSubnet(target, { 'us-east-1b': 'subnet-sensor-b' })).toBe('subnet-target');
  });
});

describe('s3RouteFix', () => {
  it('names both fixes and the AZ the sensor subnet must be in', () => {
    expect(s3RouteFix('us-east-1c')).toMatch(/S3 gateway endpoint.*sensorSubnets.*us-east-1c/);
  });
});
