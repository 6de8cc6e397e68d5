import { z } from 'zod';
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
  SENSOR_ROTATE_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  ATHENA_WORKGROUP: z.string().min(1).optional(),
  ATHENA_DATABASE: z.string().min(1).optional(),
  SWEEP_TTL_HOURS: z.coerce.number().positive().max(720).default(30),
  SWEEP_DRY_RUN: bool.default(false),
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
  athenaWorkGroup?: string;
  athenaDatabase?: string;
  sweepTtlHours: number;
  sweepDryRun: boolean;
}

const ENV_NAMES: Record<keyof Config, string> = {
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
  athenaWorkGroup: 'ATHENA_WORKGROUP',
  athenaDatabase: 'ATHENA_DATABASE',
  sweepTtlHours: 'SWEEP_TTL_HOURS',
  sweepDryRun: 'SWEEP_DRY_RUN',
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
    athenaWorkGroup: e.ATHENA_WORKGROUP,
    athenaDatabase: e.ATHENA_DATABASE,
    sweepTtlHours: e.SWEEP_TTL_HOURS,
    sweepDryRun: e.SWEEP_DRY_RUN,
  };
}

/** A setting this function cannot work without. */
export function required<K extends keyof Config>(config: Config, key: K): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) throw new ConfigError(`environment variable ${ENV_NAMES[key]} is required by this function`);
  return value as NonNullable<Config[K]>;
}
