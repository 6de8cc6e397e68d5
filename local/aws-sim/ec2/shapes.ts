import type { Instance, NetworkInterface, SecurityGroup, Subnet, TrafficMirrorFilter, TrafficMirrorFilterRule, TrafficMirrorSession, TrafficMirrorTarget, Vpc } from '@aws-sdk/client-ec2';
import { toSdkTags } from '../support';
import { STATE_CODES, type Ec2Store, type SimEni, type SimFilter, type SimInstance, type SimRule, type SimSecurityGroup, type SimSession, type SimSubnet, type SimTarget, type SimVpc } from './state';

/** Response shapes: the simulated resources as EC2 returns them, in the SDK's own types. */

export function eniShape(store: Ec2Store, e: SimEni): NetworkInterface {
  return {
    NetworkInterfaceId: e.id,
    InterfaceType: e.interfaceType as never,
    SubnetId: e.subnetId,
    VpcId: e.vpcId,
    AvailabilityZone: e.az,
    Description: e.description,
    PrivateIpAddress: e.privateIps[0],
    PrivateIpAddresses: e.privateIps.map((ip, i) => ({ PrivateIpAddress: ip, Primary: i === 0 })),
    Ipv6Addresses: [],
    Groups: e.groupIds.map((id) => ({ GroupId: id, GroupName: store.groups.get(id)?.name })),
    Status: e.attachment ? 'in-use' : 'available',
    Attachment: e.attachment
      ? { AttachmentId: e.attachment.attachmentId, InstanceId: e.attachment.instanceId, DeviceIndex: e.attachment.deviceIndex, DeleteOnTermination: e.attachment.deleteOnTermination, Status: 'attached' }
      : undefined,
    TagSet: toSdkTags(e.tags),
    OwnerId: store.accountId,
  };
}

export function instanceShape(store: Ec2Store, i: SimInstance): Instance {
  const enis = i.eniIds.map((id) => store.enis.get(id)).filter((e): e is SimEni => !!e);
  const live = i.state !== 'terminated';
  return {
    InstanceId: i.id,
    ImageId: i.imageId,
    InstanceType: i.type as never,
    State: { Code: STATE_CODES[i.state], Name: i.state },
    LaunchTime: i.launchTime,
    Placement: { AvailabilityZone: i.az },
    SubnetId: live ? i.subnetId : undefined,
    VpcId: live ? i.vpcId : undefined,
    PrivateIpAddress: enis[0]?.privateIps[0],
    PublicIpAddress: i.publicIp,
    Tags: toSdkTags(i.tags),
    SecurityGroups: live ? i.securityGroupIds.map((id) => ({ GroupId: id, GroupName: store.groups.get(id)?.name })) : [],
    MetadataOptions: i.metadataOptions as never,
    IamInstanceProfile: i.iamInstanceProfileArn ? { Arn: i.iamInstanceProfileArn } : undefined,
    NetworkInterfaces: enis.map((e) => {
      const shape = eniShape(store, e);
      return {
        NetworkInterfaceId: shape.NetworkInterfaceId,
        InterfaceType: shape.InterfaceType,
        SubnetId: shape.SubnetId,
        VpcId: shape.VpcId,
        Description: shape.Description,
        PrivateIpAddress: shape.PrivateIpAddress,
        PrivateIpAddresses: shape.PrivateIpAddresses,
        Ipv6Addresses: [],
        Groups: shape.Groups,
        Status: shape.Status,
        Attachment: shape.Attachment ? { AttachmentId: shape.Attachment.AttachmentId, DeviceIndex: shape.Attachment.DeviceIndex, DeleteOnTermination: shape.Attachment.DeleteOnTermination, Status: 'attached' } : undefined,
      };
    }),
  };
}

export function groupShape(store: Ec2Store, g: SimSecurityGroup): SecurityGroup {
  return { GroupId: g.id, GroupName: g.name, Description: g.description, VpcId: g.vpcId, Tags: toSdkTags(g.tags), IpPermissions: g.ingress, OwnerId: store.accountId };
}

export function vpcShape(store: Ec2Store, v: SimVpc): Vpc {
  return {
    VpcId: v.id,
    CidrBlock: v.cidrs[0]?.cidr,
    State: 'available',
    CidrBlockAssociationSet: v.cidrs.map((c) => ({ AssociationId: c.associationId, CidrBlock: c.cidr, CidrBlockState: { State: c.state } })),
    Ipv6CidrBlockAssociationSet: v.ipv6Cidrs.map((cidr) => ({ Ipv6CidrBlock: cidr, Ipv6CidrBlockState: { State: 'associated' } })),
    Tags: toSdkTags(v.tags),
    OwnerId: store.accountId,
  };
}

export function subnetShape(s: SimSubnet): Subnet & { SubnetId: string; VpcId: string; CidrBlock: string; AvailabilityZone: string; Tags: Array<{ Key?: string; Value?: string }> } {
  return { SubnetId: s.id, VpcId: s.vpcId, CidrBlock: s.cidr, AvailabilityZone: s.az, Tags: toSdkTags(s.tags) };
}

export function targetShape(store: Ec2Store, t: SimTarget): TrafficMirrorTarget {
  return {
    TrafficMirrorTargetId: t.id,
    NetworkInterfaceId: t.eniId,
    NetworkLoadBalancerArn: t.nlbArn,
    GatewayLoadBalancerEndpointId: t.gwlbEndpointId,
    Type: t.eniId ? 'network-interface' : t.nlbArn ? 'network-load-balancer' : ('gateway-load-balancer-endpoint' as never),
    Description: t.description,
    Tags: toSdkTags(t.tags),
    OwnerId: store.accountId,
  };
}

export function ruleShape(r: SimRule): TrafficMirrorFilterRule {
  return {
    TrafficMirrorFilterRuleId: r.id,
    TrafficMirrorFilterId: r.filterId,
    TrafficDirection: r.direction,
    RuleNumber: r.ruleNumber,
    RuleAction: r.action,
    Protocol: r.protocol,
    SourceCidrBlock: r.source,
    DestinationCidrBlock: r.destination,
    SourcePortRange: r.sourcePorts,
    DestinationPortRange: r.destinationPorts,
    Description: r.description,
  };
}

export function filterShape(f: SimFilter): TrafficMirrorFilter {
  const sorted = [...f.rules].sort((a, b) => a.ruleNumber - b.ruleNumber);
  return {
    TrafficMirrorFilterId: f.id,
    Description: f.description,
    IngressFilterRules: sorted.filter((r) => r.direction === 'ingress').map(ruleShape),
    EgressFilterRules: sorted.filter((r) => r.direction === 'egress').map(ruleShape),
    NetworkServices: f.networkServices as never,
    Tags: toSdkTags(f.tags),
  };
}

export function sessionShape(store: Ec2Store, s: SimSession): TrafficMirrorSession {
  return {
    TrafficMirrorSessionId: s.id,
    NetworkInterfaceId: s.eniId,
    TrafficMirrorTargetId: s.targetId,
    TrafficMirrorFilterId: s.filterId,
    SessionNumber: s.sessionNumber,
    VirtualNetworkId: s.vni,
    PacketLength: s.packetLength,
    Description: s.description,
    Tags: toSdkTags(s.tags),
    OwnerId: store.accountId,
  };
}
