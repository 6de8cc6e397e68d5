import { fitThreatsToState } from '../shared/domain/hunts-state';
import { runHuntPack } from '../shared/hunting/pack';
import { buildThreatList } from '../shared/hunting/threat-list';
import { DEFAULT_SCOPE } from '../shared/hunting/scope';
import { asState, requireSlice, type HuntsResult } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';

/**
 * Runs the hunt pack over the capture window for the instance's own addresses, with the
 * finding's remote IP and domain as pivots, and ranks what it found into one threat list. Values
 * travel as query parameters, never as SQL.
 */
export const runHunts = (deps: Deps) => async (input: unknown): Promise<HuntsResult> => {
  const state = asState(input);
  const mirror = requireSlice(state, 'mirror');
  const stop = requireSlice(state, 'mirrorStop');
  const engine = await deps.queryEngine();
  const startedAt = deps.now().toISOString();
  const window = { from: mirror.startedAt, to: stop.stoppedAt };
  let outcomes: Awaited<ReturnType<typeof runHuntPack>>;
  try {
    outcomes = await runHuntPack(engine, {
      from: new Date(mirror.startedAt),
      to: new Date(stop.stoppedAt),
      hosts: state.target.hosts,
      pivotIps: state.request.pivotIps,
      pivotDomains: state.request.pivotDomains,
      // The capture is the window; the VPC's own ranges are internal besides RITA's defaults.
      mode: 'capture',
      scope: { ...DEFAULT_SCOPE, internalSubnets: [...DEFAULT_SCOPE.internalSubnets, ...(state.target.cidrs?.ipv4 ?? []), ...(state.target.cidrs?.ipv6 ?? [])] },
    });
  } finally {
    // A local engine holds memory and a temporary folder; a warm Lambda or the demo must not keep them.
    await engine.close?.();
  }
  const bytes = outcomes.map((o) => o.bytesScanned).filter((b): b is number => typeof b === 'number');
  const threats = fitThreatsToState(buildThreatList(outcomes, { mode: 'capture', window }));
  deps.logger.info('hunts finished', { incidentId: state.incidentId, hunts: outcomes.length, threats: threats.total, truncated: threats.truncated ?? false });
  return {
    engine: engine.name,
    window,
    startedAt,
    finishedAt: deps.now().toISOString(),
    bytesScanned: bytes.length > 0 ? bytes.reduce((a, b) => a + b, 0) : undefined,
    threats,
    outcomes: outcomes.map((o) => ({
      name: o.name,
      title: o.title,
      findingCount: o.findings.length,
      rowsReturned: o.rowsReturned,
      elapsedMs: o.elapsedMs,
      ...(o.bytesScanned !== undefined ? { bytesScanned: o.bytesScanned } : {}),
      ...(o.error !== undefined ? { error: o.error.length > 512 ? `${o.error.slice(0, 512)}…` : o.error } : {}),
      ...(o.limitReached !== undefined ? { limitReached: o.limitReached } : {}),
    })),
    ...(threats.truncated ? { truncated: true } : {}),
  };
};

export const handler = lambdaHandler(runHunts);
