import { planSweep } from '../../../../../functions/shared/domain/sweep';

const now = new Date('2026-11-24T12:00:00Z');

describe('planSweep', () => {
  it('keeps the resources of an investigation still running within the TTL', () => {
    expect(planSweep([{ incidentId: 'gd-a', resourceCount: 5, executionStatus: 'RUNNING', executionStartedAt: new Date('2026-11-24T10:00:00Z') }], now, 30)).toEqual([
      { incidentId: 'gd-a', action: 'keep', reason: 'investigation in progress' },
    ]);
  });

  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'])('deletes what outlived an execution that is %s', (status) => {
    expect(planSweep([{ incidentId: 'gd-a', resourceCount: 2, executionStatus: status }], now, 30)[0]).toMatchObject({ action: 'delete', reason: expect.stringContaining(status) });
  });

  it('deletes resources whose execution Step Functions has never heard of', () => {
    expect(planSweep([{ incidentId: 'gd-lost', resourceCount: 1 }], now, 30)[0]).toMatchObject({ action: 'delete', reason: expect.stringContaining('unknown') });
  });

  it('deletes resources of an execution running past the TTL', () => {
    const decision = planSweep([{ incidentId: 'gd-a', resourceCount: 3, executionStatus: 'RUNNING', executionStartedAt: new Date('2026-11-22T12:00:00Z') }], now, 30)[0];
    expect(decision).toMatchObject({ action: 'delete', reason: expect.stringContaining('48.0 h, past the 30 h TTL') });
  });
});
