import '../local/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { autoMirror } from '../functions/autoMirror/handler';
import { SimClock } from '../local/aws-sim/clock';
import { SimulatedAccount } from '../local/aws-sim/account';
import { fleetDeps, provisionFleet, runInstancesEvent, stateChangeEvent } from '../local/fleet';

/**
 * `npm run bench:automirror`: a burst of 500 launches (100 RunInstances calls of 5, a fifth of the
 * instances with a second ENI) handled by the real autoMirror handler on the simulated account,
 * 50 invocations at a time as Lambda would run them. Run once clean and once with a share of EC2
 * calls throttled (RequestLimitExceeded), and print calls per mirrored ENI, instances mirrored and
 * instances dropped. Aims: 0 dropped, at most 3 calls per ENI without throttling, also when EC2's
 * `running` notifications arrive as well as the launch events (each costs a DescribeInstances and a
 * DescribeTrafficMirrorSessions once its ENIs are mirrored).
 */
const INSTANCES = 500;
const PER_CALL = 5;
const CONCURRENCY = 50;

interface Figures {
  label: string;
  enis: number;
  mirroredEnis: number;
  instancesMirrored: number;
  dropped: number;
  calls: number;
  throttled: number;
  seconds: number;
}

async function burst(label: string, options: { throttleRate?: number; stateChanges: boolean }): Promise<Figures> {
  const root = mkdtempSync(join(tmpdir(), 'mh-bench-am-'));
  try {
    const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: root });
    const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.40.0.0/16'] });
    const subnets = [0, 1, 2, 3].map((n) => account.ec2.createSubnet({ vpcId, cidrBlock: `10.40.${n * 4}.0/22`, availabilityZone: `us-east-1${'abcd'[n]}` }));
    account.ec2.registerImage('ami-0123456789abcdef0');
    const fleet = await provisionFleet(account, ['10.40.0.0/16']);
    const ec2 = account.clients().ec2;
    const events: unknown[] = [];
    const launched: string[] = [];
    for (let call = 0; call < INSTANCES / PER_CALL; call++) {
      const subnet = subnets[call % subnets.length] as string;
      let ids: string[];
      if (call % 5 === 4) {
        // A fifth of the launches come with a second ENI (seeded: RunInstances here makes one).
        ids = Array.from({ length: PER_CALL }, () => account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: subnet, extraNetworkInterfaces: 1, state: 'pending' }).instanceId);
      } else {
        const out = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: PER_CALL, MaxCount: PER_CALL, SubnetId: subnet }));
        ids = (out.Instances ?? []).map((i) => i.InstanceId as string);
      }
      launched.push(...ids);
      events.push(runInstancesEvent(account, ids, { eventId: `launch-${call}` }));
    }
    account.clock.advance(30_000);
    if (options.stateChanges) for (const id of launched) events.push(stateChangeEvent(account, id, 'running'));
    const deps = fleetDeps(account, fleet, { FLEET_VNI: '4242' });
    const handler = autoMirror(deps, { backoff: { retries: 8, baseMs: 5, maxMs: 400 }, metrics: () => undefined });
    if (options.throttleRate) account.faults.inject({ service: 'ec2', kind: 'throttle', rate: options.throttleRate });
    const firstCall = account.calls.length;
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < events.length) {
        const event = events[next++];
        // Lambda retries a failed asynchronous invocation twice before the dead-letter queue.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await handler(event);
            break;
          } catch {
            if (attempt === 2) break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    const calls = account.calls.slice(firstCall);
    const enis = account.ec2.networkInterfaces().filter((n) => launched.includes(n.Attachment?.InstanceId ?? ''));
    const mirrored = new Set(account.ec2.sessions().filter((s) => s.TrafficMirrorTargetId === fleet.targetId).map((s) => s.NetworkInterfaceId));
    const instancesMirrored = launched.filter((id) => enis.filter((n) => n.Attachment?.InstanceId === id).every((n) => mirrored.has(n.NetworkInterfaceId))).length;
    const duplicates = account.ec2.sessions().length - mirrored.size;
    if (duplicates !== 0) throw new Error(`${duplicates} duplicate sessions`);
    return {
      label,
      enis: enis.length,
      mirroredEnis: mirrored.size,
      instancesMirrored,
      dropped: launched.length - instancesMirrored,
      calls: calls.length,
      throttled: calls.filter((c) => c.error === 'RequestLimitExceeded').length,
      seconds,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = [
    await burst('launch events only, no throttling', { stateChanges: false }),
    await burst('launch + running events, no throttling', { stateChanges: true }),
    await burst('launch + running events, 30% of EC2 calls throttled', { stateChanges: true, throttleRate: 0.3 }),
  ];
  console.log(`autoMirror burst: ${INSTANCES} instances from ${INSTANCES / PER_CALL} RunInstances calls, ${CONCURRENCY} concurrent invocations, simulated account`);
  console.log(`${'run'.padEnd(52)} ${'ENIs'.padStart(5)} ${'mirrored'.padStart(9)} ${'instances'.padStart(10)} ${'dropped'.padStart(8)} ${'EC2 calls'.padStart(10)} ${'throttled'.padStart(10)} ${'calls/ENI'.padStart(10)} ${'seconds'.padStart(8)}`);
  for (const r of runs) {
    console.log(
      `${r.label.padEnd(52)} ${String(r.enis).padStart(5)} ${String(r.mirroredEnis).padStart(9)} ${String(r.instancesMirrored).padStart(10)} ${String(r.dropped).padStart(8)} ${String(r.calls).padStart(10)} ${String(r.throttled).padStart(10)} ${(r.calls / Math.max(1, r.mirroredEnis)).toFixed(2).padStart(10)} ${r.seconds.toFixed(1).padStart(8)}`,
    );
  }
  const perEni = (r: Figures) => r.calls / Math.max(1, r.mirroredEnis);
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  const [launchOnly, withRunning] = runs as [Figures, Figures, Figures];
  console.log(`aim 0 dropped in every run: ${verdict(runs.every((r) => r.dropped === 0))}`);
  console.log(`aim at most 3 EC2 calls per mirrored ENI, launch events only: ${perEni(launchOnly).toFixed(2)}, ${verdict(perEni(launchOnly) <= 3)}`);
  console.log(`aim at most 3 EC2 calls per mirrored ENI, launch and running events both delivered: ${perEni(withRunning).toFixed(2)}, ${verdict(perEni(withRunning) <= 3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
