import { checkSensor } from '../functions/checkSensor/handler';
import { claimInstance } from '../functions/claimInstance/handler';
import { launchSensor } from '../functions/launchSensor/handler';
import { resolveTarget } from '../functions/resolveTarget/handler';
import { runHunts } from '../functions/runHunts/handler';
import { startInvestigation } from '../functions/startInvestigation/handler';
import { startMirroring } from '../functions/startMirroring/handler';
import { stopMirroring } from '../functions/stopMirroring/handler';
import { tearDown } from '../functions/tearDown/handler';
import { writeReport } from '../functions/writeReport/handler';
import type { Config } from '../functions/shared/config';
import type { QueryEngine } from '../functions/shared/hunting/engine';
import type { AllDeps as Deps } from '../functions/shared/runtime';
import type { SimulatedAccount } from './aws-sim/account';
import { LOCAL, localDeps, provisionStack } from './local-account';
import { LocalStepFunctions, type EventLog, type LocalExecution } from './step-functions';

export interface LocalInvestigationOptions {
  account: SimulatedAccount;
  queryEngine: () => Promise<QueryEngine>;
  config?: Config;
  waitMs?: number;
  retryMs?: number;
  onEvent?: (event: EventLog, execution: LocalExecution) => void;
  /** Wraps every handler, e.g. to count calls; identity by default. */
  wrap?: (name: string, fn: (input: unknown) => Promise<unknown>) => (input: unknown) => Promise<unknown>;
}

export interface LocalInvestigation {
  stepFunctions: LocalStepFunctions;
  /** The trigger's (startInvestigation's) dependencies. */
  deps: Deps;
  /** Dependencies with clients built for one function, so IAM evaluates its calls against its own role. */
  depsFor: (functionKey: string) => Deps;
  topicArn: string;
  /** The real GuardDuty trigger handler, wired to the local Step Functions. */
  trigger: (event: unknown) => ReturnType<ReturnType<typeof startInvestigation>>;
}

/**
 * The real `investigate` definition and the real handlers, running in this process against the
 * simulated account. Wait states advance the simulated clock by the seconds they ask for while
 * taking only `waitMs` of real time.
 */
export function createLocalInvestigation(options: LocalInvestigationOptions): LocalInvestigation {
  const { account } = options;
  const { topicArn } = provisionStack(account);
  const wrap = options.wrap ?? ((_name, fn) => fn);
  // The handlers are built on first use: their deps need the local Step Functions client, made below.
  const ready: { depsFor?: (key: string) => Deps } = {};
  const lazy = (key: string, factory: (d: Deps) => (input: unknown) => Promise<unknown>) => {
    let step: ((input: unknown) => Promise<unknown>) | undefined;
    return async (input: unknown) => {
      if (!ready.depsFor) throw new Error('local deps not ready');
      step ??= factory(ready.depsFor(key));
      return step(input);
    };
  };
  const functions = {
    resolveTarget: wrap('resolveTarget', lazy('resolveTarget', resolveTarget)),
    claimInstance: wrap('claimInstance', lazy('claimInstance', claimInstance)),
    launchSensor: wrap('launchSensor', lazy('launchSensor', launchSensor)),
    checkSensor: wrap('checkSensor', lazy('checkSensor', checkSensor)),
    startMirroring: wrap('startMirroring', lazy('startMirroring', startMirroring)),
    stopMirroring: wrap('stopMirroring', lazy('stopMirroring', stopMirroring)),
    tearDown: wrap('tearDown', lazy('tearDown', tearDown)),
    runHunts: wrap('runHunts', lazy('runHunts', runHunts)),
    writeReport: wrap('writeReport', lazy('writeReport', writeReport)),
  };
  const stepFunctions = new LocalStepFunctions({
    stateMachineArn: LOCAL.stateMachineArn,
    functions,
    sns: account.clients().sns,
    topicArn,
    waitMs: options.waitMs,
    retryMs: options.retryMs,
    onWait: (seconds) => account.clock.advance(seconds * 1000),
    onEvent: options.onEvent,
    now: () => account.clock.now(),
    // IAM in the loop for the Step Functions API too (StartExecution, DescribeExecution).
    authorize: async (principal, action, resource) => {
      const denial = await account.iam?.authorize(principal, [{ action, resources: [resource] }]);
      return denial ? `User: ${denial.principal} is not authorized to perform: ${denial.action} on resource: ${denial.resource}` : undefined;
    },
  });
  const depsFor = (principal: string) => localDeps(account, { principal, sfn: stepFunctions.client(principal), config: options.config, queryEngine: options.queryEngine });
  ready.depsFor = depsFor;
  const deps = depsFor('startInvestigation');
  const trigger = startInvestigation(deps);
  return { stepFunctions, deps, depsFor, topicArn, trigger };
}
