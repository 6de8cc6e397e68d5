import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseSensorEnv } from '../functions/shared/domain/user-data';
import { TAG_ROLE } from '../functions/shared/tags';
import type { SimulatedAccount } from './aws-sim/account';

/** What the mirrored traffic of one source ENI looked like during one window. */
export interface CaptureRequest {
  from: Date;
  to: Date;
  sourceIps: string[];
  vni: number;
  sensorId: string;
  /** The folder the sensor's shipper would upload into: `<bucket root>`; logs go under `zeek/`. */
  bucketDir: string;
}

export type TrafficSource = (capture: CaptureRequest) => Promise<void>;

interface OpenSession {
  sessionId: string;
  networkInterfaceId: string;
  targetId: string;
  vni: number;
  startedAt: Date;
}

/**
 * Stands in for the Zeek sensor the workflow launches: it does what the image's bootstrap does
 * (report readiness in S3 once the instance runs) and what its shipper does (put Zeek logs of
 * the mirrored traffic under `zeek/` when a session's capture ends). The traffic itself comes
 * from a `TrafficSource`: synthetic, or a folder of real logs. A simulation, not a sensor.
 */
export class SimulatedSensors {
  private readonly open = new Map<string, OpenSession>();
  private readonly pending: Array<Promise<void>> = [];
  readonly shipped: CaptureRequest[] = [];

  constructor(
    private readonly account: SimulatedAccount,
    private readonly traffic: TrafficSource,
  ) {
    account.ec2.events.on('instanceStateChanged', (event: { instanceId: string; to: string }) => {
      if (event.to === 'running') this.onRunning(event.instanceId);
    });
    account.ec2.events.on('mirrorSessionCreated', (event: { session: SessionLike }) => this.onSessionCreated(event.session));
    account.ec2.events.on('mirrorSessionDeleted', (event: { session: SessionLike }) => this.onSessionDeleted(event.session));
  }

  /** Waits for every shipment started so far (the flush a real sensor does before shutdown). */
  async flushed(): Promise<void> {
    await Promise.all(this.pending);
  }

  private sensorOf(instanceId: string): { env: Record<string, string> } | undefined {
    const instance = this.account.ec2.instances().find((i) => i.InstanceId === instanceId);
    if (!instance) return undefined;
    const role = (instance.Tags ?? []).find((t) => t.Key === TAG_ROLE)?.Value;
    if (role !== 'sensor' || !instance.UserData) return undefined;
    return { env: parseSensorEnv(Buffer.from(instance.UserData, 'base64').toString('utf8')) };
  }

  private onRunning(instanceId: string): void {
    const sensor = this.sensorOf(instanceId);
    if (!sensor) return;
    const bucket = sensor.env.MIRRORHUNT_BUCKET ?? '';
    const statusPrefix = sensor.env.MIRRORHUNT_STATUS_PREFIX ?? 'sensor-status/';
    const body = JSON.stringify({ instanceId, incidentId: sensor.env.MIRRORHUNT_INCIDENT_ID, vni: Number(sensor.env.MIRRORHUNT_VNI), startedAt: this.account.clock.now().toISOString() });
    this.account.s3.putFile(bucket, `${statusPrefix}${instanceId}/ready.json`, body);
  }

  private onSessionCreated(session: SessionLike): void {
    this.open.set(session.TrafficMirrorSessionId, {
      sessionId: session.TrafficMirrorSessionId,
      networkInterfaceId: session.NetworkInterfaceId,
      targetId: session.TrafficMirrorTargetId,
      vni: session.VirtualNetworkId ?? 0,
      startedAt: this.account.clock.now(),
    });
  }

  /** Sources whose sessions have ended, per target, waiting for the target's last session to end. */
  private readonly ended = new Map<string, { from: Date; sourceIps: string[]; vni: number }>();

  private onSessionDeleted(session: SessionLike): void {
    const open = this.open.get(session.TrafficMirrorSessionId);
    if (!open) return;
    this.open.delete(open.sessionId);
    const source = this.account.ec2.networkInterfaces().find((n) => n.NetworkInterfaceId === open.networkInterfaceId);
    const ips = (source?.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter((ip): ip is string => !!ip);
    const pending = this.ended.get(open.targetId);
    this.ended.set(open.targetId, {
      from: pending && pending.from < open.startedAt ? pending.from : open.startedAt,
      sourceIps: [...new Set([...(pending?.sourceIps ?? []), ...ips])],
      vni: pending?.vni ?? open.vni,
    });
    // One sensor runs one Zeek: the traffic of all its sources lands in one set of logs, shipped
    // once the last session feeding it has ended.
    if ([...this.open.values()].some((o) => o.targetId === open.targetId)) return;
    const merged = this.ended.get(open.targetId);
    this.ended.delete(open.targetId);
    const target = this.account.ec2.targets().find((t) => t.TrafficMirrorTargetId === open.targetId);
    const sensorEni = target?.NetworkInterfaceId;
    const sensor = this.account.ec2.instances().find((i) => (i.NetworkInterfaces ?? []).some((n) => n.NetworkInterfaceId === sensorEni));
    const env = sensor?.InstanceId ? this.sensorOf(sensor.InstanceId)?.env : undefined;
    if (!sensor?.InstanceId || !env || !merged) return;
    const capture: CaptureRequest = {
      from: merged.from,
      to: this.account.clock.now(),
      sourceIps: merged.sourceIps,
      vni: merged.vni,
      sensorId: sensor.InstanceId,
      bucketDir: this.account.s3.path(env.MIRRORHUNT_BUCKET ?? '', ''),
    };
    this.shipped.push(capture);
    this.pending.push(this.traffic(capture));
  }
}

interface SessionLike {
  TrafficMirrorSessionId: string;
  NetworkInterfaceId: string;
  TrafficMirrorTargetId: string;
  VirtualNetworkId?: number;
}

/** A traffic source that ships nothing: for runs that only check the workflow. */
export const noTraffic: TrafficSource = async (capture) => {
  await mkdir(join(capture.bucketDir, 'zeek'), { recursive: true });
  await writeFile(join(capture.bucketDir, 'zeek', '.keep'), '');
};
