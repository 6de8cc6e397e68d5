import { clientToken, vniForIncident } from '../../../../../functions/shared/domain/ids';

describe('clientToken', () => {
  it('is the same for the same parts and at most the 64 characters EC2 accepts', () => {
    expect(clientToken('mirrorhunt-dev', 'gd-1', 'sensor')).toBe(clientToken('mirrorhunt-dev', 'gd-1', 'sensor'));
    expect(clientToken('mirrorhunt-dev', 'gd-1', 'sensor')).not.toBe(clientToken('mirrorhunt-prod', 'gd-1', 'sensor'));
    expect(clientToken('a').length).toBeLessThanOrEqual(64);
  });
});

describe('vniForIncident', () => {
  it('gives an incident one VXLAN id in 1..16777215, the same every time', () => {
    const ids = ['gd-1', 'gd-2', 'manual-20261124-0800-abc123'].map(vniForIncident);
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(1);
    for (const id of ids) expect(id).toBeLessThanOrEqual(16_777_215);
    expect(vniForIncident('gd-1')).toBe(ids[0]);
    expect(new Set(ids).size).toBe(3);
  });
});
