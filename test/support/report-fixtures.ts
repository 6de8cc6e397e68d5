import type { InvestigationState } from '../../functions/shared/domain/state';
import type { Threat, ThreatList } from '../../functions/shared/hunting/threat-list';

/** GuardDuty's remote IP in the finding (Backdoor:EC2/C&CActivity.B), as in local/demo/finding.json's shape. */
export const PEER_IP = '198.51.100.7';
export const HOST_IP = '10.20.1.25';
export const CAPTURE_FROM = '2026-11-24T08:01:00.000Z';
export const CAPTURE_TO = '2026-11-24T09:01:00.000Z';

/**
 * A 60 s beacon over the hour: the start drifts by a repeatable -2..+2 s (a timer with jitter),
 * 512 bytes out give or take a few (a fixed check-in message).
 */
export function beaconSeries(fromIso: string, count: number, everySeconds: number): Array<[number, number]> {
  const start = Date.parse(fromIso) / 1000;
  return Array.from({ length: count }, (_, i) => [start + 30 + i * everySeconds + (((i * 7) % 5) - 2), 512 + ((i * 3) % 7)] as [number, number]);
}

export function beaconThreat(overrides: Partial<Threat> = {}): Threat {
  const series = beaconSeries(CAPTURE_FROM, 59, 60);
  return {
    rank: 1,
    kind: 'pair',
    severity: 'high',
    score: 0.74,
    key: `pair|${HOST_IP}|${PEER_IP}`,
    src: HOST_IP,
    dst: PEER_IP,
    summary: `${HOST_IP} → ${PEER_IP}:443 every ~60 s, 59 connections, ~512 B each (beacon score 0.74)`,
    hunts: ['beacon-ip', 'pivot-ip'],
    beacon: {
      score: 0.74,
      timestampScore: 0.97,
      sizeScore: 0.99,
      histogramScore: 0.95,
      durationScore: 0.05,
      connections: 59,
      uniqueTimestamps: 59,
      medianIntervalSeconds: 60,
      medianBytes: 514,
      mode: 'capture',
      series,
    },
    evidence: { connections: 59, bytesOut: 30_326, bytesIn: 88_500, ports: [443], firstSeen: '2026-11-24T08:01:28.000Z', lastSeen: '2026-11-24T08:59:30.000Z', durationSeconds: 3482 },
    ...overrides,
  };
}

/** The VPC resolver: many small, fairly regular DNS connections; a low-severity pair, not a beacon to worry about. */
export function resolverThreat(rank = 3): Threat {
  return {
    rank,
    kind: 'pair',
    severity: 'low',
    score: 0.31,
    key: `pair|${HOST_IP}|10.20.0.2`,
    src: HOST_IP,
    dst: '10.20.0.2',
    summary: `${HOST_IP} → 10.20.0.2:53 DNS, 412 connections, irregular (beacon score 0.31)`,
    hunts: ['beacon-ip'],
    beacon: { score: 0.31, timestampScore: 0.35, sizeScore: 0.6, histogramScore: 0.2, durationScore: 0.1, connections: 412, uniqueTimestamps: 380, medianIntervalSeconds: 4, medianBytes: 70, mode: 'capture' },
    evidence: { connections: 412, ports: [53] },
  };
}

export function scanThreat(rank = 2): Threat {
  return {
    rank,
    kind: 'port-scan',
    severity: 'medium',
    score: 0.6,
    key: `port-scan|${HOST_IP}|10.20.7.0/24`,
    src: HOST_IP,
    summary: `${HOST_IP} probed 231 ports on 14 hosts in 10.20.7.0/24`,
    hunts: ['port-scan'],
    evidence: { ports: 231, hosts: 14 },
  };
}

export function threatList(findings: Threat[] = [beaconThreat(), scanThreat(), resolverThreat()]): ThreatList {
  return {
    findings,
    mode: 'capture',
    window: { from: CAPTURE_FROM, to: CAPTURE_TO },
    warnings: [],
    hunts: [
      { name: 'beacon-ip', title: 'Beacons by address', rowsReturned: 2, elapsedMs: 40 },
      { name: 'port-scan', title: 'Port scans', rowsReturned: 1, elapsedMs: 12 },
      { name: 'pivot-ip', title: "Traffic with the finding's IPs", rowsReturned: 1, elapsedMs: 8 },
    ],
  };
}

export const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:mirrorhunt-prod-investigate:gd-6ec7';

/** A whole investigation that captured an hour and hunted, as the state machine hands it to writeReport. */
export function completedState(threats: ThreatList = threatList()): InvestigationState {
  return {
    incidentId: 'gd-6ec7',
    executionArn: EXECUTION_ARN,
    startedAt: '2026-11-24T08:00:00.000Z',
    request: {
      instanceId: 'i-0a1b2c3d4e5f60718',
      captureMinutes: 60,
      captureSeconds: 3600,
      reason: 'GuardDuty Backdoor:EC2/C&CActivity.B (severity 8): EC2 instance is querying an IP associated with a command and control server',
      source: 'guardduty',
      finding: { id: '6ec7a1b2c3d4e5f6', type: 'Backdoor:EC2/C&CActivity.B', severity: 8, title: 'C&C activity', remoteIps: [PEER_IP], domains: [] },
      pivotIps: [PEER_IP],
      pivotDomains: [],
    },
    target: {
      instanceId: 'i-0a1b2c3d4e5f60718',
      instanceType: 'm5.large',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnetId: 'subnet-0a1b2c3d4e5f60718',
      availabilityZone: 'eu-west-1a',
      cidrs: { ipv4: ['10.20.0.0/16'], ipv6: [] },
      hosts: [HOST_IP],
      enis: [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718', sessionNumber: 1, privateIps: [HOST_IP], warnings: [] }],
      skipped: [],
      mirrorable: true,
    },
    claim: { claimed: true },
    sensor: { instanceId: 'i-0f0f0f0f0f0f0f0f0', securityGroupId: 'sg-0f0f0f0f0f0f0f0f0', imageId: 'ami-1', instanceType: 'c6i.large', vni: 77, launchedAt: '2026-11-24T08:00:01.000Z', flushSeconds: 90 },
    sensorStatus: { ready: true, state: 'running', attempts: 3, checkedAt: '2026-11-24T08:00:46.000Z' },
    mirror: {
      targetId: 'tmt-0f0f0f0f0f0f0f0f0',
      filterId: 'tmf-0f0f0f0f0f0f0f0f0',
      ruleIds: [],
      sessions: [{ sessionId: 'tms-0f0f0f0f0f0f0f0f0', networkInterfaceId: 'eni-0a1b2c3d4e5f60718', sessionNumber: 1 }],
      failedEnis: [],
      vni: 77,
      startedAt: CAPTURE_FROM,
    },
    mirrorStop: { stoppedAt: CAPTURE_TO, deletedSessionIds: ['tms-0f0f0f0f0f0f0f0f0'] },
    teardown: {
      complete: true,
      attempts: 2,
      deleted: [
        { type: 'mirror-target', id: 'tmt-0f0f0f0f0f0f0f0f0', outcome: 'deleted' },
        { type: 'mirror-filter', id: 'tmf-0f0f0f0f0f0f0f0f0', outcome: 'deleted' },
        { type: 'sensor-instance', id: 'i-0f0f0f0f0f0f0f0f0', outcome: 'terminating' },
        { type: 'security-group', id: 'sg-0f0f0f0f0f0f0f0f0', outcome: 'deleted' },
      ],
      remaining: [],
      completedAt: '2026-11-24T09:03:00.000Z',
    },
    hunts: {
      engine: 'athena',
      window: { from: CAPTURE_FROM, to: CAPTURE_TO },
      startedAt: '2026-11-24T09:03:05.000Z',
      finishedAt: '2026-11-24T09:04:10.000Z',
      bytesScanned: 1_048_576,
      outcomes: [
        { name: 'beacon-ip', title: 'Beacons by address', findingCount: 2, rowsReturned: 2, elapsedMs: 40 },
        { name: 'port-scan', title: 'Port scans', findingCount: 1, rowsReturned: 1, elapsedMs: 12 },
        { name: 'pivot-ip', title: "Traffic with the finding's IPs", findingCount: 1, rowsReturned: 1, elapsedMs: 8 },
      ],
      threats,
    },
  };
}
