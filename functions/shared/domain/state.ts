import type { InvestigationRequest } from './request';
import type { TargetPlan } from './target';
import { InvalidInputError } from '../errors';
import type { ThreatList } from '../hunting/threat-list';

/**
 * The execution state of the `investigate` state machine. Each Task receives the whole state
 * and returns one slice, which the definition places with `ResultPath`.
 */
export interface InvestigationState {
  incidentId: string;
  executionArn: string;
  startedAt: string;
  request: InvestigationRequest & { captureSeconds: number };
  target: TargetPlan;
  claim?: ClaimResult;
  sensor?: SensorInfo;
  sensorStatus?: SensorStatus;
  mirror?: MirrorInfo;
  mirrorStop?: { stoppedAt: string; deletedSessionIds: string[] };
  teardown?: TeardownResult;
  teardownError?: StepError;
  hunts?: HuntsResult;
  error?: StepError;
  report?: ReportResult;
}

export interface StepError {
  Error: string;
  Cause?: string;
}

export interface ClaimResult {
  claimed: boolean;
  /** The incident that already investigates this instance, when we did not get the claim. */
  heldBy?: string;
}

export interface SensorInfo {
  instanceId: string;
  securityGroupId: string;
  imageId: string;
  instanceType: string;
  vni: number;
  launchedAt: string;
  /** How long to wait after the last session ends for the last logs to reach S3: one rotation plus the upload. */
  flushSeconds: number;
}

export interface SensorStatus {
  ready: boolean;
  state: string;
  attempts: number;
  checkedAt: string;
  networkInterfaceId?: string;
}

export interface MirrorInfo {
  targetId: string;
  filterId: string;
  ruleIds: string[];
  sessions: Array<{ sessionId: string; networkInterfaceId: string; sessionNumber: number }>;
  failedEnis: Array<{ networkInterfaceId: string; reason: string }>;
  vni: number;
  startedAt: string;
}

export interface DeletedResource {
  type: 'mirror-session' | 'mirror-target' | 'mirror-filter' | 'sensor-instance' | 'security-group' | 'claim';
  id: string;
  outcome: 'deleted' | 'already-gone' | 'terminating';
}

export interface TeardownResult {
  complete: boolean;
  attempts: number;
  deleted: DeletedResource[];
  remaining: Array<{ type: DeletedResource['type']; id: string; why: string }>;
  completedAt?: string;
}

export interface HuntsResult {
  engine: string;
  window: { from: string; to: string };
  startedAt: string;
  finishedAt: string;
  bytesScanned?: number;
  /** The ranked threat list, fitted into the hunts' state budget (`fitThreatsToState`): lowest-ranked dropped first. */
  threats: ThreatList;
  /** Per hunt: what it returned and how long it took; the findings themselves are in `threats`. */
  outcomes: HuntSummary[];
  /** Some threats or evidence were shortened or left out to fit the execution state. */
  truncated?: boolean;
}

export interface HuntSummary {
  name: string;
  title: string;
  findingCount: number;
  rowsReturned: number;
  elapsedMs: number;
  bytesScanned?: number;
  error?: string;
  limitReached?: number;
}

export type Outcome = 'completed' | 'not-mirrorable' | 'already-under-investigation' | 'failed';

export interface ReportResult {
  outcome: Outcome;
  jsonKey: string;
  markdownKey: string;
  htmlKey?: string;
  /** The verdict label, for the state machine and Security Hub. */
  verdict?: string;
  subject: string;
  summary: string;
}

/** Reads a slice a step depends on; a missing one means the state machine is wired wrong. */
export function requireSlice<K extends keyof InvestigationState>(state: InvestigationState, key: K): NonNullable<InvestigationState[K]> {
  const value = state[key];
  if (value === undefined || value === null) throw new InvalidInputError(`execution state has no "${String(key)}" (step called out of order?)`);
  return value as NonNullable<InvestigationState[K]>;
}

export function asState(input: unknown): InvestigationState {
  if (typeof input !== 'object' || input === null || typeof (input as { incidentId?: unknown }).incidentId !== 'string') {
    throw new InvalidInputError('execution state must be an object with an incidentId');
  }
  return input as InvestigationState;
}
