import { parseFindingEvent } from '../functions/shared/domain/finding';
import type { SimulatedAccount } from './aws-sim/account';

export interface SeededWorld {
  instanceId: string;
  networkInterfaceIds: string[];
  privateIps: string[];
  vpcId: string;
  vpcCidrs: string[];
  /** Resources that existed before the investigation and are not ours: they must survive it. */
  bystanders: Array<{ type: string; id: string }>;
}

interface FindingInterface {
  networkInterfaceId?: string;
  privateIpAddress?: string;
  privateIpAddresses?: Array<{ privateIpAddress?: string }>;
  subnetId?: string;
  vpcId?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function usableIp(ip: string | undefined): ip is string {
  return !!ip && IPV4.test(ip) && ip !== '0.0.0.0';
}

/**
 * Builds the part of the simulated account a finding is about: its VPC (a /16 around the
 * instance's addresses, or 10.0.0.0/16 when the finding has none, as GuardDuty samples do), the
 * subnets, and the instance with the finding's own ids, type and ENIs, running. The ids in the
 * finding are kept so the trigger finds exactly the instance GuardDuty named.
 */
export function seedFromFinding(account: SimulatedAccount, event: unknown): SeededWorld {
  const finding = parseFindingEvent(event);
  const detail = ((event as { detail?: unknown }).detail ?? event) as {
    resource?: { instanceDetails?: { availabilityZone?: string; networkInterfaces?: FindingInterface[]; tags?: Array<{ key: string; value: string }> } };
  };
  const details = detail.resource?.instanceDetails;
  if (!finding.instanceId || !details) throw new Error('the finding names no EC2 instance, so there is nothing to build a simulated account around');
  const enis = details.networkInterfaces ?? [];
  const ips = enis.map((e) => e.privateIpAddress).filter(usableIp);
  const cidrs = [...new Set((ips.length > 0 ? ips : ['10.0.0.10']).map((ip) => ip.split('.').slice(0, 2).join('.') + '.0.0/16'))];
  const vpcId = account.ec2.createVpc({ cidrBlocks: cidrs, vpcId: enis[0]?.vpcId });
  const az = details.availabilityZone ?? 'us-east-1a';
  const subnets = new Map<string, string>();
  const subnetFor = (eni: FindingInterface, ip: string) => {
    const cidr = ip.split('.').slice(0, 3).join('.') + '.0/24';
    const key = eni.subnetId ?? cidr;
    if (!subnets.has(key)) subnets.set(key, account.ec2.createSubnet({ vpcId, cidrBlock: cidr, availabilityZone: az, subnetId: eni.subnetId }));
    return subnets.get(key) as string;
  };
  const primaryIp = usableIp(enis[0]?.privateIpAddress) ? enis[0]?.privateIpAddress : '10.0.0.10';
  const seeded = account.ec2.seedInstance({
    instanceId: finding.instanceId,
    instanceType: finding.instanceType ?? 'm5.large',
    subnetId: subnetFor(enis[0] ?? {}, primaryIp as string),
    networkInterfaceIds: enis.map((e) => e.networkInterfaceId).filter((id): id is string => !!id),
    privateIps: enis.map((e, i) => (usableIp(e.privateIpAddress) ? e.privateIpAddress : `10.0.0.${10 + i}`) as string),
    extraNetworkInterfaces: Math.max(0, enis.length - 1),
    tags: Object.fromEntries((details.tags ?? []).map((t) => [t.key, t.value])),
    state: 'running',
  });
  return { instanceId: seeded.instanceId, networkInterfaceIds: seeded.networkInterfaceIds, privateIps: seeded.privateIps, vpcId, vpcCidrs: cidrs, bystanders: [] };
}
