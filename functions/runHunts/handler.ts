import { fitHuntsToState } from '../shared/domain/hunts-state';
import { runHuntPack } from '../shared/hunting/pack';
import { asState, requireSlice, type HuntsResult } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Findings kept per hunt in the execution state; Step Functions caps a state at 256 KB. */
const FINDINGS_PER_HUNT = 10;

/**
 * Runs the hunt pack over the capture window for the instance's own addresses, with the
 * finding's remote IP and domain as pivots. Values travel as query parameters, never as SQL.
 */
export const runHunts = (deps: Deps) => async (input: unknown): Promise<HuntsResult> => {
  const state = asState(input);
  const mirror = requireSlice(state, 'mirror');
  const stop = requireSlice(state, 'mirrorStop');
  const engine = await deps.queryEngine();
  const startedAt = deps.now().toISOString();
  let outcomes: Awaited<ReturnType<typeof runHuntPack>>;
  try {
    outcomes = await runHuntPack(engine, {
      from: new Date(mirror.startedAt),
      to: new Date(stop.stoppedAt),
      hosts: state.target.hosts,
      pivotIps: state.request.pivotIps,
      pivotDomains: state.request.pivotDomains,
    });
  } finally {
    // A local engine holds memory and a temporary folder; a warm Lambda or the demo must not keep them.
    await engine.close?.();
  }
  const bytes = outcomes.map((o) => o.bytesScanned).filter((b): b is number => typeof b === 'number');
  const fitted = fitHuntsToState(
    outcomes.map((o) => ({
      name: o.name,
      title: o.title,
      findingCount: o.findings.length,
      findings: o.findings.slice(0, FINDINGS_PER_HUNT).map((f) => ({ severity: f.severity, score: f.score, summary: f.summary, evidence: f.evidence })),
      elapsedMs: o.elapsedMs,
      bytesScanned: o.bytesScanned,
      error: o.error,
    })),
  );
  deps.logger.info('hunts finished', { incidentId: state.incidentId, hunts: outcomes.length, findings: outcomes.reduce((n, o) => n + o.findings.length, 0), truncated: fitted.truncated });
  return {
    engine: engine.name,
    window: { from: mirror.startedAt, to: stop.stoppedAt },
    startedAt,
    finishedAt: deps.now().toISOString(),
    bytesScanned: bytes.length > 0 ? bytes.reduce((a, b) => a + b, 0) : undefined,
    outcomes: fitted.outcomes,
    ...(fitted.truncated ? { truncated: true } : {}),
  };
};

export const handler = lambdaHandler(runHunts);
