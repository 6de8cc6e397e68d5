import { decideVerdict, touchesPeer } from '../../../../../functions/shared/domain/verdict';
import { beaconThreat, PEER_IP, resolverThreat, scanThreat, threatList } from '../../../../support/report-fixtures';

const base = { outcome: 'completed' as const, outcomeReason: 'captured, hunted and torn down', failedHunts: [], captureMinutes: 60 };
const pivots = { ips: [PEER_IP], domains: [] };

describe('decideVerdict', () => {
  it('confirms when the instance talked to the finding\'s peer, saying how regular and how much', () => {
    const v = decideVerdict({ ...base, pivots, threats: threatList() });
    expect(v.label).toBe('confirmed');
    expect(v.rule).toBe('peer-seen');
    expect(v.headline).toContain(`talked to ${PEER_IP}`);
    expect(v.headline).toContain('regularly every ~60 s');
    expect(v.evidence[0]).toMatch(/59 connection\(s\); regular, median interval 60 s \(timestamp score 0\.97\)/);
    expect(v.evidence[0]).toContain('30.3 kB out');
    expect(v.peerThreatKeys).toEqual([`pair|10.20.1.25|${PEER_IP}`]);
  });

  it('matches a peer domain by name or any name under it', () => {
    const byName = beaconThreat({ dst: '203.0.113.80', host: 'x7.c2.example.com', key: 'pair|10.20.1.25|x7.c2.example.com' });
    expect(touchesPeer(byName, { ips: [], domains: ['c2.example.com'] })).toBe(true);
    expect(touchesPeer(byName, { ips: [], domains: ['example.co'] })).toBe(false);
  });

  it('is inconclusive when the peer was silent but something high ranks elsewhere', () => {
    const other = beaconThreat({ dst: '203.0.113.80', key: 'pair|10.20.1.25|203.0.113.80', hunts: ['beacon-ip'] });
    const v = decideVerdict({ ...base, pivots, threats: threatList([other, scanThreat()]) });
    expect(v).toMatchObject({ label: 'inconclusive', rule: 'peer-silent-other-threat' });
  });

  it('does not confirm when the peer was silent and only low-severity traffic ranked, and says to widen the capture', () => {
    const v = decideVerdict({ ...base, pivots, threats: threatList([resolverThreat(1)]) });
    expect(v).toMatchObject({ label: 'not-confirmed', rule: 'peer-silent' });
    expect(v.evidence.join(' ')).toContain('widen the capture');
  });

  it('treats a quiet result with failed hunts as inconclusive, not as a clean bill of health', () => {
    const v = decideVerdict({ ...base, pivots, threats: threatList([resolverThreat(1)]), failedHunts: ['pivot-ip'] });
    expect(v).toMatchObject({ label: 'inconclusive', rule: 'peer-silent-hunts-failed' });
  });

  it('without a peer to look for, confirms on a high threat and otherwise does not', () => {
    expect(decideVerdict({ ...base, pivots: { ips: [], domains: [] }, threats: threatList() }).label).toBe('confirmed');
    expect(decideVerdict({ ...base, pivots: { ips: [], domains: [] }, threats: threatList([scanThreat(1)]) }).rule).toBe('no-pivot-quiet');
  });

  it('is inconclusive when nothing was captured or no threat list came back', () => {
    expect(decideVerdict({ ...base, outcome: 'not-mirrorable', outcomeReason: 't2.micro cannot be a mirror source', pivots, threats: undefined })).toMatchObject({ label: 'inconclusive', rule: 'no-capture' });
    expect(decideVerdict({ ...base, pivots, threats: undefined })).toMatchObject({ label: 'inconclusive', rule: 'no-threat-list' });
  });
});
