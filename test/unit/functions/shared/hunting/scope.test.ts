import { createScope, DEFAULT_SCOPE, InvalidScopeError, parseScopeConfig } from '../../../../../functions/shared/hunting/scope';

// Semantics after RITA v5 config/filter.go (FilterConnPair, FilterDNSPair, FilterSNIPair, FilterDomain).
describe('scope', () => {
  const scope = createScope({ ...DEFAULT_SCOPE, neverIncludedDomains: ['*.windowsupdate.com'], alwaysIncludedDomains: ['evil.windowsupdate.com'] }, ['147.32.81.167']);

  it('scores internal → external pairs and drops internal → internal and external → external', () => {
    expect(scope.keepConnPair('10.0.0.5', '203.0.113.9')).toBe(true);
    expect(scope.keepConnPair('10.0.0.5', '10.0.0.53')).toBe(false);
    expect(scope.keepConnPair('198.51.100.1', '203.0.113.9')).toBe(false);
  });

  it('drops external → internal, except towards a watched host, which is scored in both directions', () => {
    expect(scope.keepConnPair('198.51.100.1', '10.0.0.5')).toBe(false);
    expect(scope.pairRole('198.51.100.1', '147.32.81.167')).toBe('inbound-watched');
    expect(scope.keepConnPair('198.51.100.1', '147.32.81.167')).toBe(true);
    expect(scope.keepConnPair('147.32.81.167', '198.51.100.1')).toBe(true);
  });

  it.each([
    ['fe80::1', 'ff02::1'],
    ['10.0.0.5', '224.0.0.251'],
    ['10.0.0.5', '255.255.255.255'],
    ['169.254.169.254', '10.0.0.5'],
    ['10.0.0.5', '127.0.0.1'],
    ['fd12::5', 'ff02::fb'],
  ])('never scores %s → %s (RITA’s mandatory never-include list)', (src, dst) => {
    expect(scope.keepConnPair(src, dst)).toBe(false);
  });

  it('keeps an always-included address whatever the other end is', () => {
    const s = createScope({ ...DEFAULT_SCOPE, alwaysIncludedSubnets: ['10.0.0.53/32'] });
    expect(s.keepConnPair('10.0.0.5', '10.0.0.53')).toBe(true);
  });

  it('keeps internal → internal DNS clients and pairs by server name from an internal source (a proxy in between)', () => {
    expect(scope.keepDnsClient('fd00::5')).toBe(true);
    expect(scope.keepDnsClient('203.0.113.9')).toBe(false);
    expect(scope.keepNamedPair('10.136.0.18', 'www.honestimnotevil.com')).toBe(true);
    expect(scope.keepNamedPair('203.0.113.9', 'www.example.com')).toBe(false);
  });

  it('drops never-included domains and every name under them, unless always included', () => {
    expect(scope.keepDomain('download.windowsupdate.com')).toBe(false);
    expect(scope.keepDomain('windowsupdate.com.')).toBe(false);
    expect(scope.keepDomain('evil.windowsupdate.com')).toBe(true);
    expect(scope.keepNamedPair('10.0.0.5', 'au.download.windowsupdate.com')).toBe(false);
  });

  it('reads RITA’s key names from a scope file and refuses unknown keys and bad CIDRs', () => {
    expect(parseScopeConfig({ internal_subnets: ['147.32.0.0/16'] }).internalSubnets).toEqual(['147.32.0.0/16']);
    expect(() => parseScopeConfig({ internal: ['10.0.0.0/8'] })).toThrow(InvalidScopeError);
    expect(() => parseScopeConfig({ never_included_subnets: ['10.0.0.0/40'] })).toThrow('bad prefix length');
    expect(() => parseScopeConfig({ never_included_subnets: ['not-an-ip'] })).toThrow('not an address or CIDR');
  });
});
