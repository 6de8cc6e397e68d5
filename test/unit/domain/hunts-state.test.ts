import { fitHuntsToState } from '../../../functions/shared/domain/hunts-state';
import type { HuntSummary } from '../../../functions/shared/domain/state';

function hunt(name: string, findings: number, evidenceChars: number): HuntSummary {
  return {
    name,
    title: name,
    findingCount: findings,
    findings: Array.from({ length: findings }, (_, i) => ({ severity: 'high', score: 1 - i / 100, summary: `${name} #${i}`, evidence: { note: 'x'.repeat(evidenceChars), rank: i } })),
    elapsedMs: 1,
  };
}

describe('fitting hunt outcomes into the execution state', () => {
  it('leaves outcomes that fit untouched', () => {
    const outcomes = [hunt('a', 3, 10), hunt('b', 2, 10)];
    expect(fitHuntsToState(outcomes)).toEqual({ outcomes, truncated: false });
  });

  it('drops the lowest-ranked findings of the heaviest hunt first, keeping the true counts, until under the budget', () => {
    // Prepare: hunt "big" carries 10 findings of 400 chars of evidence, hunt "small" 3 of 20.
    const outcomes = [hunt('big', 10, 400), hunt('small', 3, 20)];

    // Act
    const fitted = fitHuntsToState(outcomes, 2500);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(fitted.outcomes))).toBeLessThanOrEqual(2500);
    expect(fitted.truncated).toBe(true);
    const big = fitted.outcomes[0] as HuntSummary;
    expect(big.findingCount).toBe(10);
    expect(big.findings.map((f) => f.evidence.rank)).toEqual(Array.from({ length: big.findings.length }, (_, i) => i));
    expect(big.findings.length).toBeLessThan(10);
    expect(fitted.outcomes[1]?.findings).toHaveLength(3);
  });
});
