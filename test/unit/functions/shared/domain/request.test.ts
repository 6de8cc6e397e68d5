import { parseInvestigationRequest, requestFromFinding } from '../../../../../functions/shared/domain/request';
import { parseFindingEvent } from '../../../../../functions/shared/domain/finding';
import { InvalidInputError } from '../../../../../functions/shared/errors';
import { ec2Finding } from '../../../../support/fixtures';

describe('parseInvestigationRequest', () => {
  it('accepts a manual request by instance id and defaults the capture to 60 minutes', () => {
    expect(parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', reason: 'odd outbound traffic' })).toMatchObject({
      instanceId: 'i-0123456789abcdef0',
      captureMinutes: 60,
      source: 'manual',
      pivotIps: [],
    });
  });

  it('accepts a request by network interface id', () => {
    expect(parseInvestigationRequest({ networkInterfaceId: 'eni-0123456789abcdef0', captureMinutes: 5, reason: 'x' }).networkInterfaceId).toBe('eni-0123456789abcdef0');
  });

  it('refuses a request naming both an instance and an ENI', () => {
    expect(() => parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', networkInterfaceId: 'eni-0123456789abcdef0', reason: 'x' })).toThrow(
      /exactly one of instanceId or networkInterfaceId/,
    );
  });

  it('names the field when the capture window is out of range', () => {
    expect(() => parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', captureMinutes: 5000, reason: 'x' })).toThrow(InvalidInputError);
    expect(() => parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', captureMinutes: 5000, reason: 'x' })).toThrow(/captureMinutes/);
  });

  it('refuses unknown fields rather than ignoring a typo', () => {
    expect(() => parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', reason: 'x', captureMinute: 5 })).toThrow(/captureMinute/);
  });

  it('requires a reason, which goes into the report', () => {
    expect(() => parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', reason: '  ' })).toThrow(/reason/);
  });

  it('round-trips what the GuardDuty trigger builds from a finding', () => {
    const request = requestFromFinding(parseFindingEvent(ec2Finding()), 30);
    expect(parseInvestigationRequest(request)).toEqual(request);
    expect(request).toMatchObject({ instanceId: 'i-05746eb48123455e0', captureMinutes: 30, source: 'guardduty' });
  });
});
