import * as z from 'zod';
import findingTypes from './domain/data/finding-types.json';
import { ConfigError } from './errors';

const csv = z
  .string()
  .transform((s) => s.split(',').map((v) => v.trim()).filter((v) => v.length > 0));

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  LOG_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional(),
  STATE_MACHINE_ARN: z.string().regex(/^arn:aws[a-z-]*:states:/, 'must be a Step Functions state machine ARN').optional(),
  MIN_SEVERITY: z.coerce.number().min(0).max(10).default(findingTypes.minSeverity),
  FINDING_TYPES: csv.optional(),
  ALLOW_SAMPLE_FINDINGS: bool.default(false),
  DEFAULT_CAPTURE_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  SENSOR_AMI_PARAMETER: z.string().min(1).optional(),
  SENSOR_INSTANCE_TYPE: z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an instance type such as c6i.large').default('c6i.large'),
  SENSOR_INSTANCE_PROFILE_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::/, 'must be an instance profile ARN').optional(),
  SENSOR_SUBNETS: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter((v) => v.length > 0))
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+=subnet-[0-9a-f]{8,17}$/, 'must be a comma list of <availability zone>=<subnet id>')))
    .optional(),
  SENSOR_ROTATE_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  ATHENA_WORKGROUP: z.string().min(1).optional(),
  ATHENA_DATABASE: z.string().min(1).optional(),
  SWEEP_TTL_HOURS: z.coerce.number().positive().max(720).default(30),
  SWEEP_DRY_RUN: bool.default(false),
  FLEET_TARGET_ID: z.string().regex(/^tmt-[0-9a-f]{8,17}$/, 'must be a traffic mirror target id').optional(),
  FLEET_FILTER_ID: z.string().regex(/^tmf-[0-9a-f]{8,17}$/, 'must be a traffic mirror filter id').optional(),
  FLEET_VNI: z.coerce.number().int().min(0).max(16777215).optional(),
  MIRROR_VPC_IDS: csv.optional(),
  MIRROR_SUBNET_IDS: csv.optional(),
  MIRROR_OPT_IN_TAGS: csv.optional(),
  MIRROR_OPT_OUT_TAGS: csv.optional(),
  MIRROR_SCOPE_COMBINE: z.enum(['and', 'or']).default('and'),
  MIRROR_ENI_MODE: z.enum(['all', 'primary']).default('all'),
  STOPPED_INSTANCE_POLICY: z.enum(['keep', 'delete']).default('delete'),
  RECONCILE_DRY_RUN: bool.default(false),
  RECONCILE_MAX_ACTIONS: z.coerce.number().int().min(1).max(10000).default(500),
  MIRRORHUNT_STACK: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a stack name such as mirrorhunt-dev').optional(),
});

export interface Config {
  logBucket?: string;
  stateMachineArn?: string;
  minSeverity: number;
  findingTypes: string[];
  allowSampleFindings: boolean;
  defaultCaptureMinutes: number;
  sensorAmiParameter?: string;
  sensorInstanceType: string;
  sensorInstanceProfileArn?: string;
  sensorRotateSeconds: number;
  /** Dedicated sensor subnet per availability zone (private, with a route to S3); empty: the target's own subnet. */
  sensorSubnets: Record<string, string>;
  athenaWorkGroup?: string;
  athenaDatabase?: string;
  sweepTtlHours: number;
  sweepDryRun: boolean;
  fleetTargetId?: string;
  fleetFilterId?: string;
  fleetVni?: number;
  mirrorScope: { vpcIds: string[]; subnetIds: string[]; optInTags: string[]; optOutTags: string[]; combine: 'and' | 'or'; eniMode: 'all' | 'primary' };
  stoppedInstancePolicy: 'keep' | 'delete';
  reconcileDryRun: boolean;
  /** Changes one reconciler run makes at most; the rest wait for the next run. */
  reconcileMaxActions: number;
  /** This deployment (`<service>-<stage>`): the `mirrorhunt:stack` tag on everything it creates. */
  stack?: string;
}

/** The environment variables each setting is read from. */
export const ENV_NAMES: Record<keyof Config, string | string[]> = {
  logBucket: 'LOG_BUCKET',
  stateMachineArn: 'STATE_MACHINE_ARN',
  minSeverity: 'MIN_SEVERITY',
  findingTypes: 'FINDING_TYPES',
  allowSampleFindings: 'ALLOW_SAMPLE_FINDINGS',
  defaultCaptureMinutes: 'DEFAULT_CAPTURE_MINUTES',
  sensorAmiParameter: 'SENSOR_AMI_PARAMETER',
  sensorInstanceType: 'SENSOR_INSTANCE_TYPE',
  sensorInstanceProfileArn: 'SENSOR_INSTANCE_PROFILE_ARN',
  sensorRotateSeconds: 'SENSOR_ROTATE_SECONDS',
  sensorSubnets: 'SENSOR_SUBNETS',
  athenaWorkGroup: 'ATHENA_WORKGROUP',
  athenaDatabase: 'ATHENA_DATABASE',
  sweepTtlHours: 'SWEEP_TTL_HOURS',
  sweepDryRun: 'SWEEP_DRY_RUN',
  fleetTargetId: 'FLEET_TARGET_ID',
  fleetFilterId: 'FLEET_FILTER_ID',
  fleetVni: 'FLEET_VNI',
  mirrorScope: ['MIRROR_VPC_IDS', 'MIRROR_SUBNET_IDS', 'MIRROR_OPT_IN_TAGS', 'MIRROR_OPT_OUT_TAGS', 'MIRROR_SCOPE_COMBINE', 'MIRROR_ENI_MODE'],
  stoppedInstancePolicy: 'STOPPED_INSTANCE_POLICY',
  reconcileDryRun: 'RECONCILE_DRY_RUN',
  reconcileMaxActions: 'RECONCILE_MAX_ACTIONS',
  stack: 'MIRRORHUNT_STACK',
};

/** Parsed once per cold start; a bad value fails loudly with the variable's name. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = result.data;
  return {
    logBucket: e.LOG_BUCKET,
    stateMachineArn: e.STATE_MACHINE_ARN,
    minSeverity: e.MIN_SEVERITY,
    findingTypes: e.FINDING_TYPES ?? findingTypes.types,
    allowSampleFindings: e.ALLOW_SAMPLE_FINDINGS,
    defaultCaptureMinutes: e.DEFAULT_CAPTURE_MINUTES,
    sensorAmiParameter: e.SENSOR_AMI_PARAMETER,
    sensorInstanceType: e.SENSOR_INSTANCE_TYPE,
    sensorInstanceProfileArn: e.SENSOR_INSTANCE_PROFILE_ARN,
    sensorRotateSeconds: e.SENSOR_ROTATE_SECONDS,
    sensorSubnets: Object.fromEntries((e.SENSOR_SUBNETS ?? []).map((pair) => pair.split('=') as [string, string])),
    athenaWorkGroup: e.ATHENA_WORKGROUP,
    athenaDatabase: e.ATHENA_DATABASE,
    sweepTtlHours: e.SWEEP_TTL_HOURS,
    sweepDryRun: e.SWEEP_DRY_RUN,
    fleetTargetId: e.FLEET_TARGET_ID,
    fleetFilterId: e.FLEET_FILTER_ID,
    fleetVni: e.FLEET_VNI,
    mirrorScope: {
      vpcIds: e.MIRROR_VPC_IDS ?? [],
      subnetIds: e.MIRROR_SUBNET_IDS ?? [],
      optInTags: e.MIRROR_OPT_IN_TAGS ?? [],
      optOutTags: e.MIRROR_OPT_OUT_TAGS ?? ['mirrorhunt:mirror=false'],
      combine: e.MIRROR_SCOPE_COMBINE,
      eniMode: e.MIRROR_ENI_MODE,
    },
    stoppedInstancePolicy: e.STOPPED_INSTANCE_POLICY,
    reconcileDryRun: e.RECONCILE_DRY_RUN,
    reconcileMaxActions: e.RECONCILE_MAX_ACTIONS,
    stack: e.MIRRORHUNT_STACK,
  };
}

/** A setting this function cannot work without. */
export function required<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) throw new ConfigError(`environment variable ${[ENV_NAMES[key]].flat().join(' / ')} is required by this function`);
  return value as NonNullable<Config[K]>;
}

/**
 * What one function reads from the environment: the settings it cannot work without (typed as
 * present once `pick` has checked them, failing loudly with the variable's name) and the ones it
 * takes when set. `env` is the variable list serverless.yml must give that function, and the
 * template test holds serverless.yml to it.
 */
export interface FunctionConfig<R extends keyof Config, O extends keyof Config> {
  required: readonly R[];
  optional: readonly O[];
  env: string[];
  pick(config: Config): Config & { [K in R]-?: NonNullable<Config[K]> };
}

export function functionConfig<R extends keyof Config, O extends keyof Config = never>(required: readonly R[], optional: readonly O[] = []): FunctionConfig<R, O> {
  return {
    required,
    optional,
    env: [...required, ...optional].flatMap((key) => [ENV_NAMES[key]].flat()),
    pick: (config) => {
      for (const key of required) requiredValue(config, key);
      return config as Config & { [K in R]-?: NonNullable<Config[K]> };
    },
  };
}

function requiredValue<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  return required(config, key);
}
