import allowlist from '../../../functions/shared/domain/data/mirroring-instance-types.json';
import { mirroringSupport } from '../../../functions/shared/domain/instance-types';
import { fail } from '../support';
import type { Ec2Store, SimEni, SimTarget } from './state';

/**
 * Rules shared by the operations that create and change Traffic Mirroring sessions, so create
 * and modify cannot drift apart again (they did: create allowed 100 sources per ENI target where
 * modify allowed only 10). Quotas: AWS Traffic Mirroring user guide, "Traffic Mirroring quotas"
 * (https://docs.aws.amazon.com/vpc/latest/mirroring/traffic-mirroring-quotas.html).
 */

export function sessionNumber(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32766) fail('InvalidParameterValue', `SessionNumber must be from 1 to 32766 (got ${String(value)})`);
  return n;
}

export function virtualNetworkId(value: unknown): number {
  const vni = Number(value);
  if (!Number.isInteger(vni) || vni < 0 || vni > 16_777_215) fail('InvalidParameterValue', `VirtualNetworkId must be from 0 to 16777215 (got ${String(value)})`);
  return vni;
}

/** EC2 API reference, CreateTrafficMirrorSession `PacketLength`: 1..8500 bytes (to 8500 for an NLB target). */
export function packetLength(value: unknown): number {
  const length = Number(value);
  if (!Number.isInteger(length) || length < 1 || length > 8500) fail('InvalidParameterValue', 'PacketLength must be from 1 to 8500');
  return length;
}

const HUNDRED_SOURCE_TYPES = new Set<string>(allowlist.hundredSourceTargetTypes);

/**
 * How many sources an ENI target takes: 100 for the instance types the quotas page lists, 10
 * for the rest (the list is data beside the source allowlist). NLB and GWLB endpoint targets
 * take any number.
 */
export function sourcesLimit(store: Ec2Store, target: SimTarget): number {
  if (!target.eniId) return Number.POSITIVE_INFINITY;
  const owner = store.enis.get(target.eniId)?.attachment?.instanceId;
  const type = owner ? store.instances.get(owner)?.type : undefined;
  return type && HUNDRED_SOURCE_TYPES.has(type) ? 100 : store.quotas.sourcesPerEniTarget;
}

/** Adding `eniId` as a source of `target` must keep the target within its sources quota. */
export function checkSourcesPerTarget(store: Ec2Store, target: SimTarget, eniId: string): void {
  const sources = new Set([...store.sessions.values()].filter((s) => s.targetId === target.id).map((s) => s.eniId));
  if (!sources.has(eniId) && sources.size >= sourcesLimit(store, target)) {
    fail('TrafficMirrorSourcesPerTargetLimitExceeded', `Sources per interface-target limit reached (${sources.size + 1})`);
  }
}

/**
 * A source must be an `interface` ENI that is not itself a target, attached (if at all) to an
 * instance type Traffic Mirroring supports. The type rule reads the same data file as the
 * product's pre-launch check, so the two cannot disagree; AWS's own answer stays the final word
 * in a deployment.
 */
export function checkMirrorableSource(store: Ec2Store, eni: SimEni): void {
  if (eni.interfaceType !== 'interface') fail('InvalidParameterValue', `The network interface ${eni.id} is of type ${eni.interfaceType}, which cannot be a traffic mirror source`);
  if ([...store.targets.values()].some((t) => t.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is a traffic mirror target and cannot be a source`);
  const owner = eni.attachment ? store.instances.get(eni.attachment.instanceId) : undefined;
  if (owner && !mirroringSupport(owner.type).supported) {
    fail('InvalidParameterValue', `The network interface ${eni.id} is attached to an instance of type ${owner.type}, which is not supported as a traffic mirror source`);
  }
}
