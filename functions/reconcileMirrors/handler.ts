import { EC2Client } from '@aws-sdk/client-ec2';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { createMirrorSession, deleteMirrorSession, instancePages, listMirrorSessions, listMirrorTargetNetworkInterfaces, repointMirrorSession } from '../shared/adapters/ec2';
import { fleetSessionToken, launchedFromView, type LaunchedInstance } from '../shared/domain/auto-mirror';
import { planReconcile, type ReconcileAction } from '../shared/domain/reconcile';
import { fleetSessionTags } from '../shared/tags';
import { withBackoff, type BackoffOptions } from '../shared/workflows/backoff';
import { createPacer, type Pacer } from '../shared/workflows/pacer';
import { powertoolsCount, type CountMetric } from '../shared/metrics';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Every state but terminated: a stopped or ending instance decides whether its sessions stay. */
const STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

export interface ReconcileResult {
  dryRun: boolean;
  planned: Record<ReconcileAction['kind'], number>;
  /** Planned changes left for the next run (over the per-run limit). */
  deferred: number;
  skipped: number;
  outcomes: Record<'done' | 'failed' | 'would-do', number>;
  /** The first changes in detail (bounded, so the result stays small). */
  changes: Array<ReconcileAction & { outcome: 'done' | 'failed' | 'would-do'; error?: string; sessionId?: string }>;
}

const DETAIL_LIMIT = 100;

/**
 * Scheduled backstop for auto-mirroring: EventBridge delivery is best effort and the fleet can be
 * replaced, so this compares the account with what should be mirrored and converges it. Only
 * fleet sessions (our tags) are ever changed. Dry-run logs the plan and changes nothing.
 */
export const reconcileMirrors = (deps: Deps<'ec2'>, options: { backoff?: BackoffOptions; pacer?: Pacer; metrics?: CountMetric } = {}) => {
  const metrics = options.metrics ?? powertoolsCount;
  const config = FUNCTION_CONFIGS.reconcileMirrors.pick(deps.config);
  const fleetTargetId = config.fleetTargetId;
  const fleetFilterId = config.fleetFilterId;
  const stack = config.stack;
  const backoff = options.backoff ?? { retries: 6, baseMs: 500, maxMs: 20_000 };
  // Five mutating calls a second leaves most of EC2's per-account budget to everything else.
  const pacer = options.pacer ?? createPacer(5);
  const { reconcileDryRun: dryRun, reconcileMaxActions: maxActions } = deps.config;
  return async (_event: unknown): Promise<ReconcileResult> => {
    const ec2 = deps.clients.ec2;
    const instances: LaunchedInstance[] = [];
    for await (const page of instancePages(ec2, { states: STATES })) instances.push(...page.map(launchedFromView));
    const [sessions, mirrorTargetEnis] = await Promise.all([
      withBackoff(() => listMirrorSessions(ec2), backoff),
      withBackoff(() => listMirrorTargetNetworkInterfaces(ec2), backoff),
    ]);
    const plan = planReconcile({ instances, sessions, mirrorTargetEnis, fleetTargetId, fleetFilterId, stack, scope: deps.config.mirrorScope, stoppedInstancePolicy: deps.config.stoppedInstancePolicy });
    const todo = plan.actions.slice(0, maxActions);
    const result: ReconcileResult = {
      dryRun,
      planned: { create: 0, repoint: 0, delete: 0 },
      deferred: plan.actions.length - todo.length,
      skipped: plan.skipped.length,
      outcomes: { done: 0, failed: 0, 'would-do': 0 },
      changes: [],
    };
    for (const action of plan.actions) result.planned[action.kind]++;

    for (const action of todo) {
      let change: ReconcileResult['changes'][number];
      if (dryRun) change = { ...action, outcome: 'would-do' };
      else {
        try {
          await pacer.wait();
          const sessionId = await withBackoff(() => apply(action), backoff);
          change = { ...action, outcome: 'done', ...(sessionId ? { sessionId } : {}) };
        } catch (error) {
          change = { ...action, outcome: 'failed', error: (error as Error).message };
        }
      }
      result.outcomes[change.outcome]++;
      deps.logger.info('reconcile change', { ...change });
      if (result.changes.length < DETAIL_LIMIT) result.changes.push(change);
    }
    for (const skip of plan.skipped) deps.logger.info('reconcile skip', { ...skip });
    for (const [outcome, count] of Object.entries(result.outcomes)) if (count > 0) metrics('ReconcileActions', outcome, count);
    deps.logger.info('reconcile finished', { dryRun, planned: result.planned, deferred: result.deferred, skipped: result.skipped, outcomes: result.outcomes });
    return result;

    async function apply(action: ReconcileAction): Promise<string | undefined> {
      switch (action.kind) {
        case 'create':
          return createMirrorSession(ec2, {
            networkInterfaceId: action.networkInterfaceId,
            targetId: fleetTargetId,
            filterId: fleetFilterId,
            sessionNumber: action.sessionNumber,
            vni: deps.config.fleetVni,
            clientToken: fleetSessionToken({ networkInterfaceId: action.networkInterfaceId, targetId: fleetTargetId, filterId: fleetFilterId, sessionNumber: action.sessionNumber, launchTime: action.launchTime, now: deps.now() }),
            tags: fleetSessionTags(stack, action.instanceId),
            description: 'mirrorhunt fleet capture',
          });
        case 'repoint':
          await repointMirrorSession(ec2, { sessionId: action.sessionId, targetId: fleetTargetId, filterId: fleetFilterId });
          return undefined;
        case 'delete':
          await deleteMirrorSession(ec2, action.sessionId);
          return undefined;
      }
    }
  };
};

export const handler = lambdaHandler((deps: Deps<'ec2'>) => reconcileMirrors(deps), { ec2: EC2Client });
