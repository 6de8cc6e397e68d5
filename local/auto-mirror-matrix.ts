import './polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { autoMirror, type AutoMirrorResult } from '../functions/autoMirror/handler';
import { TAG_MANAGED } from '../functions/shared/tags';
import { SimClock } from './aws-sim/clock';
import { SimulatedAccount, type RecordedCall } from './aws-sim/account';
import type { FaultKind } from './aws-sim/faults';
import { fleetDeps, provisionFleet, runInstancesEvent } from './fleet';
import { LATE_ID, MATRIX_FAULTS, createsAnId, notFoundCode, type MatrixFault } from './fault-matrix';

/**
 * The auto-mirror half of the fault matrix: one RunInstances event (two instances, three ENIs)
 * handled by the real autoMirror handler, with one failure injected at each of its AWS calls in
 * turn. autoMirror creates only sessions, which are meant to persist; so a cell passes when no
 * ENI ends up with two sessions to the fleet, nothing else of ours appears, every ENI without a
 * session is reported `failed` with the fault named (or the invocation failed, naming it, for
 * Lambda to retry), and delivering the event again mirrors every ENI exactly once.
 */
export interface AutoMirrorCell {
  index: number;
  call: string;
  fault: MatrixFault;
  code: string;
  outcome: string;
  pass: boolean;
  why: string;
}

interface World {
  account: SimulatedAccount;
  handler: (event: unknown) => Promise<AutoMirrorResult>;
  event: unknown;
  enis: string[];
  targetId: string;
  ourOthers: () => string[];
}

async function world(root: string): Promise<World> {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: root });
  const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.40.0.0/16'] });
  const subnetId = account.ec2.createSubnet({ vpcId, cidrBlock: '10.40.1.0/24', availabilityZone: 'us-east-1a' });
  account.ec2.registerImage('ami-0123456789abcdef0');
  const fleet = await provisionFleet(account, ['10.40.0.0/16']);
  const launched = await account.clients().ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, SubnetId: subnetId }));
  const multi = account.ec2.seedInstance({ instanceType: 'm5.large', subnetId, extraNetworkInterfaces: 1, state: 'pending' });
  const ids = [launched.Instances?.[0]?.InstanceId as string, multi.instanceId];
  const deps = fleetDeps(account, fleet, { FLEET_VNI: '4242' });
  const fleetIds = new Set([fleet.targetId, fleet.filterId]);
  return {
    account,
    handler: autoMirror(deps, { backoff: { retries: 3, baseMs: 0, maxMs: 0 }, metrics: () => undefined }),
    event: runInstancesEvent(account, ids),
    enis: account.ec2.networkInterfaces().filter((n) => ids.includes(n.Attachment?.InstanceId ?? '')).map((n) => n.NetworkInterfaceId as string),
    targetId: fleet.targetId,
    ourOthers: () =>
      account
        .listResources()
        .filter((r) => r.tags[TAG_MANAGED] === 'true' && r.type !== 'mirror-session' && !fleetIds.has(r.id))
        .map((r) => `${r.type} ${r.id}`),
  };
}

function codeFor(call: RecordedCall, fault: Exclude<MatrixFault, 'eventual-consistency'>): { code?: string; kind?: FaultKind; when: 'before' | 'after' } {
  if (fault === 'lost-response') return { code: 'TimeoutError', when: 'after' };
  if (fault === 'not-found') return { code: notFoundCode(call), when: 'before' };
  return { kind: fault, when: 'before' };
}

export async function runAutoMirrorMatrix(faults: MatrixFault[] = MATRIX_FAULTS): Promise<{ baselineCalls: RecordedCall[]; cells: AutoMirrorCell[] }> {
  const baseRoot = mkdtempSync(join(tmpdir(), 'mh-am-faults-'));
  let baselineCalls: RecordedCall[];
  try {
    const base = await world(baseRoot);
    const start = base.account.calls.length;
    const result = await base.handler(base.event);
    if (!result.decisions.every((d) => d.outcome === 'created')) throw new Error(`the fault-free run must mirror everything: ${JSON.stringify(result.decisions)}`);
    baselineCalls = base.account.calls.slice(start);
  } finally {
    rmSync(baseRoot, { recursive: true, force: true });
  }
  const cells: AutoMirrorCell[] = [];
  for (const [offset, call] of baselineCalls.entries()) {
    for (const fault of faults) {
      if (fault === 'eventual-consistency' && !createsAnId(call)) {
        cells.push({ index: offset, call: `${call.service}:${call.operation}`, fault, code: '-', outcome: 'n/a', pass: true, why: 'n/a: this call creates no id' });
        continue;
      }
      const root = mkdtempSync(join(tmpdir(), 'mh-am-faults-'));
      try {
        const w = await world(root);
        const index = w.account.calls.length + offset;
        if (fault === 'eventual-consistency') {
          w.account.lateIds.push({ callIndex: index, ...LATE_ID });
        } else {
          const spec = codeFor(call, fault);
          w.account.faults.inject({ callIndex: index, code: spec.code, kind: spec.kind, when: spec.when });
        }
        let outcome: string;
        let named = false;
        let result: AutoMirrorResult | undefined;
        try {
          result = await w.handler(w.event);
          outcome = result.decisions.map((d) => d.outcome).join(',');
        } catch (error) {
          outcome = `threw ${(error as Error).name}`;
          named = (error as Error).name !== 'Error' && (error as Error).name !== 'TypeError';
        }
        const injected = w.account.calls[index];
        const code = injected?.error ?? '?';
        const sessionsPerEni = (eni: string) => w.account.ec2.sessions().filter((s) => s.NetworkInterfaceId === eni && s.TrafficMirrorTargetId === w.targetId).length;
        const unmirrored = w.enis.filter((eni) => sessionsPerEni(eni) === 0);
        const instanceOf = (eni: string) => w.account.ec2.networkInterfaces().find((n) => n.NetworkInterfaceId === eni)?.Attachment?.InstanceId;
        // A failed lookup is reported per instance; a failed create per ENI.
        const failedNamed = unmirrored.every(
          (eni) =>
            result?.decisions.some((d) => (d.networkInterfaceId === eni || (!d.networkInterfaceId && d.instanceId === instanceOf(eni))) && d.outcome === 'failed' && d.reason.includes(code)) ||
            (!result && named),
        );
        const doubled = w.enis.filter((eni) => sessionsPerEni(eni) > 1);
        const others = w.ourOthers();
        await w.handler(w.event);
        const afterReplay = w.enis.map(sessionsPerEni);
        let why = 'ok';
        if (fault !== 'eventual-consistency' && !injected?.injected) why = `the fault was not injected at call #${offset}`;
        else if (doubled.length > 0) why = `two fleet sessions on ${doubled.join(', ')}`;
        else if (others.length > 0) why = `created something that is not a session: ${others.join(', ')}`;
        else if (!failedNamed) why = `ENIs left unmirrored without a decision naming ${code}: ${unmirrored.join(', ')} (${outcome})`;
        else if (afterReplay.some((n) => n !== 1)) why = `a replay did not converge to one session per ENI: ${afterReplay.join(',')}`;
        cells.push({ index: offset, call: `${call.service}:${call.operation}`, fault, code, outcome, pass: why === 'ok', why });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  }
  return { baselineCalls, cells };
}
