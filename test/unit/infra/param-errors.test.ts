import { packagedService } from '../../support/template';

describe('a fleet param typo at package time', () => {
  it('is reported once, as one line naming the param, without a stack trace', async () => {
    // Act
    const failure = await packagedService({ fleetMode: 'managd' }).then(
      () => undefined,
      (error: unknown) => (error as Error).message,
    );
    // Assess: osls lists every variable that failed; only the fleetMode condition may fail.
    expect(failure).toBeDefined();
    expect(failure!.match(/fleetMode must be one of off, managed, byo, got "managd"/g)).toHaveLength(1);
    expect(failure).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  }, 120_000);
});
