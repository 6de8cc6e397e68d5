import { createPacer } from '../../../../../functions/shared/workflows/pacer';

describe('createPacer', () => {
  it('spaces back-to-back calls 1/rate apart', async () => {
    // Prepare
    const sleeps: number[] = [];
    const pacer = createPacer(2, { now: () => 0, sleep: async (ms) => void sleeps.push(ms) });

    // Act
    for (let i = 0; i < 3; i++) await pacer.wait();

    // Assess
    expect(sleeps).toEqual([500, 1000]);
  });

  it('does not wait when calls are already further apart than the interval', async () => {
    // Prepare
    let clock = 0;
    const sleeps: number[] = [];
    const pacer = createPacer(2, { now: () => clock, sleep: async (ms) => void sleeps.push(ms) });

    // Act
    await pacer.wait();
    clock = 2000;
    await pacer.wait();

    // Assess
    expect(sleeps).toEqual([]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createPacer(0)).toThrow(RangeError);
  });
});
