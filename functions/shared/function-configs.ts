import { functionConfig } from './config';

/**
 * Each function's configuration, in one place: what its handler reads (`pick` types the required
 * settings as present) and therefore exactly the environment serverless.yml gives it. A setting a
 * function takes from its default (the capture length, say) is not listed and not set.
 */
export const FUNCTION_CONFIGS = {
  startInvestigation: functionConfig(['stateMachineArn'], ['minSeverity', 'findingTypes', 'allowSampleFindings']),
  resolveTarget: functionConfig([]),
  claimInstance: functionConfig(['logBucket']),
  launchSensor: functionConfig(['logBucket', 'sensorAmiParameter', 'stack'], ['sensorInstanceType', 'sensorInstanceProfileArn', 'sensorSubnets']),
  checkSensor: functionConfig(['logBucket']),
  startMirroring: functionConfig(['stack']),
  stopMirroring: functionConfig([]),
  tearDown: functionConfig(['logBucket', 'stack']),
  runHunts: functionConfig(['logBucket', 'athenaWorkGroup', 'athenaDatabase']),
  writeReport: functionConfig(['logBucket'], ['athenaWorkGroup', 'athenaDatabase']),
  reportToSecurityHub: functionConfig(['logBucket']),
  cleanUpExecution: functionConfig(['logBucket', 'stack']),
  sweepOrphans: functionConfig(['logBucket', 'stack', 'stateMachineArn'], ['sweepTtlHours', 'sweepDryRun']),
  autoMirror: functionConfig(['stack', 'fleetTargetId', 'fleetFilterId'], ['fleetVni', 'mirrorScope', 'stoppedInstancePolicy']),
  reconcileMirrors: functionConfig(['stack', 'fleetTargetId', 'fleetFilterId'], ['fleetVni', 'mirrorScope', 'stoppedInstancePolicy', 'reconcileDryRun', 'reconcileMaxActions']),
};

export type FunctionKey = keyof typeof FUNCTION_CONFIGS;
