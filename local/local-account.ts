import { Logger } from '@aws-lambda-powertools/logger';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { parseConfig, type Config } from '../functions/shared/config';
import type { AllDeps as Deps } from '../functions/shared/runtime';
import type { QueryEngine } from '../functions/shared/hunting/engine';
import { SimulatedAccount } from './aws-sim/account';
import type { StackContext } from './aws-sim/iam/policies';

interface IamModules {
  evaluate: typeof import('./aws-sim/iam/evaluate');
  policies: typeof import('./aws-sim/iam/policies');
}

/**
 * The IAM evaluator and the deployed policies, loaded on first use and only where they are
 * installed: the evaluator (@cloud-copilot/iam-simulate, AGPL-3.0) and its data are development
 * dependencies, never on a packed install's runtime path, and the policies are read from
 * infra/roles.yml and serverless.yml, which a packed install does not ship. A clone after
 * `npm ci` has all of them.
 */
let loaded: { modules: IamModules | undefined } | undefined;
function iamModules(): IamModules | undefined {
  loaded ??= { modules: loadIamModules() };
  return loaded.modules;
}

function loadIamModules(): IamModules | undefined {
  try {
    return {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      evaluate: require('./aws-sim/iam/evaluate') as IamModules['evaluate'],
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      policies: require('./aws-sim/iam/policies') as IamModules['policies'],
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Names the local run gives the things a deployed stack would have created. */
export const LOCAL = {
  region: 'us-east-1',
  accountId: '000000000000',
  bucket: 'mirrorhunt-local-logs',
  amiParameter: '/mirrorhunt/local/sensor-ami-id',
  sensorImageId: 'ami-0f00d5e75e75e75e7',
  instanceProfileArn: 'arn:aws:iam::000000000000:instance-profile/mirrorhunt-local-sensor',
  topicName: 'mirrorhunt-local-notify',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:mirrorhunt-local-investigate',
  /** The deployment's stack tag, as serverless names a stack: `<service>-<stage>`. */
  stack: 'mirrorhunt-local',
} as const;

/** The simulated stack's names for resolving infra/roles.yml (stage `local`, as LOCAL names things). */
export function localStack(): StackContext {
  const iam = iamModules();
  if (!iam) throw new Error('the IAM evaluation modules are not installed (development dependencies: run npm ci in a clone)');
  return iam.policies.simulatedStack({ region: LOCAL.region, accountId: LOCAL.accountId, bucket: LOCAL.bucket, amiParameter: LOCAL.amiParameter });
}

/**
 * IAM in the loop: every call made through a function's clients is evaluated against the
 * policies that function deploys with (infra/roles.yml via serverless.yml's `role:`), unless the
 * account was made with `iam: false` or the evaluator is not installed (see iamModules); says
 * whether it is on. Idempotent.
 */
export function useDeployedIam(account: SimulatedAccount): boolean {
  if (!account.iamEnabled) return false;
  if (account.iam) return true;
  const iam = iamModules();
  if (!iam) return false;
  const stack = localStack();
  let policies;
  try {
    policies = iam.policies.deployedPolicies(stack);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false;
    throw error;
  }
  account.iam = new iam.evaluate.IamEvaluator(policies, account.accountId);
  // infra/sensor.yml: SensorInstanceProfile holds SensorRole; RunInstances passes that role.
  account.ec2.registerInstanceProfile(LOCAL.instanceProfileArn, iam.policies.roleArn('SensorRole', stack));
  return true;
}

/**
 * The pieces a deployed stack provides, created inside the simulated account: the log bucket,
 * the sensor image and the SSM parameter naming it, the notification topic.
 */
export function provisionStack(account: SimulatedAccount): { topicArn: string } {
  account.s3.createBucket(LOCAL.bucket);
  account.ec2.registerImage(LOCAL.sensorImageId);
  account.ssm.putParameter(LOCAL.amiParameter, LOCAL.sensorImageId);
  return { topicArn: account.sns.createTopic(LOCAL.topicName) };
}

export function localConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    LOG_BUCKET: LOCAL.bucket,
    STATE_MACHINE_ARN: LOCAL.stateMachineArn,
    SENSOR_AMI_PARAMETER: LOCAL.amiParameter,
    SENSOR_INSTANCE_PROFILE_ARN: LOCAL.instanceProfileArn,
    MIRRORHUNT_STACK: LOCAL.stack,
    ...overrides,
  });
}

/**
 * Handler dependencies wired to the simulated account instead of AWS, with clients built for one
 * function (`principal`, its serverless.yml key): IAM evaluates its calls against its own role.
 */
export function localDeps(account: SimulatedAccount, options: { principal: string; sfn: SFNClient; config?: Config; queryEngine: () => Promise<QueryEngine>; logLevel?: string }): Deps {
  useDeployedIam(account);
  const clients = account.clients(options.principal);
  return {
    config: options.config ?? localConfig(),
    clients: { ec2: clients.ec2, s3: clients.s3, ssm: clients.ssm, sfn: options.sfn },
    now: () => account.clock.now(),
    logger: new Logger({ serviceName: 'mirrorhunt-local', logLevel: (options.logLevel ?? 'SILENT') as never }),
    queryEngine: options.queryEngine,
    // Simulated ids settle after a number of lookups (the simulated clock does not move during a retry loop), so no real waiting.
    consistency: { attempts: 6, baseMs: 0, maxMs: 0 },
  };
}
