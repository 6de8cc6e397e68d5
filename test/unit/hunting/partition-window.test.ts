import { parameterValues } from '../../../functions/shared/hunting/pack';

const base = { hosts: ['10.0.0.5'], pivotIps: [], pivotDomains: [] };

describe('hunt parameters and log partitions', () => {
  it('reaches into the next day\'s partitions when the capture ends just before midnight', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T23:00:00Z'), to: new Date('2026-11-24T23:59:30Z') });
    expect([values.dt_from, values.hour_from, values.dt_to, values.hour_to]).toEqual(['2026-11-24', 23, '2026-11-25', 1]);
  });

  it('bounds the partitions to the capture\'s hours and the two after it (an hourly-rotated file closes up to an hour later, then ships)', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T08:20:00Z'), to: new Date('2026-11-24T09:20:00Z') });
    expect([values.dt_from, values.hour_from, values.dt_to, values.hour_to]).toEqual(['2026-11-24', 8, '2026-11-24', 11]);
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
