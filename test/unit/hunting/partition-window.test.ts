import { parameterValues } from '../../../functions/shared/hunting/pack';

const base = { hosts: ['10.0.0.5'], pivotIps: [], pivotDomains: [] };

describe('hunt parameters and log partitions', () => {
  it('reaches into the next day\'s partition when the capture ends just before midnight', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T23:00:00Z'), to: new Date('2026-11-24T23:59:30Z') });
    expect([values.dt_from, values.dt_to]).toEqual(['2026-11-24', '2026-11-25']);
  });

  it('keeps the exact capture window for the record timestamps', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T23:00:00Z'), to: new Date('2026-11-24T23:59:30Z') });
    expect([values.ts_from, values.ts_to]).toEqual([Date.parse('2026-11-24T23:00:00Z') / 1000, Date.parse('2026-11-24T23:59:30Z') / 1000]);
  });

  it('stays within one day when the capture ends early in the day', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T08:00:00Z'), to: new Date('2026-11-24T09:00:00Z') });
    expect([values.dt_from, values.dt_to]).toEqual(['2026-11-24', '2026-11-24']);
  });
});
