import { BlockList, isIP } from 'node:net';

/**
 * Which traffic the hunts score, after RITA's filter (activecm/rita `config/filter.go`, v5):
 * - an address on the always-include list is never filtered; then one on the never-include list
 *   (RITA's mandatory list — current host, loopback, link-local, multicast, limited broadcast,
 *   IPv6 unspecified/link-local/multicast — plus the user's) always is;
 * - connection pairs are scored internal → external only (`FilterConnPair`: both internal or both
 *   external are filtered; external → internal too, RITA's `filter_external_to_internal`);
 * - DNS keeps internal → internal (`FilterDNSPair`: C2 over DNS through an internal resolver);
 * - pairs by server name (SNI, HTTP Host, a proxy's CONNECT) need only an internal source
 *   (`FilterSNIPair`): through a proxy the destination address is internal by design;
 * - a domain on the always-include list is kept, then one on the never-include list (or under it)
 *   dropped (`FilterDomain`, `never_included_domains`).
 * Ours on top: the watched hosts (the investigated instance, `--host`) are internal by definition
 * and scored in both directions, so a regular inbound client of a compromised server is a finding.
 */
export interface ScopeConfig {
  /** CIDRs of the internal network (default: RFC 1918, 100.64.0.0/10, fd00::/8; in AWS, the VPC's CIDRs are added). */
  internalSubnets: string[];
  alwaysIncludedSubnets: string[];
  neverIncludedSubnets: string[];
  alwaysIncludedDomains: string[];
  neverIncludedDomains: string[];
}

export const DEFAULT_INTERNAL_SUBNETS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fd00::/8'];

/** Always filtered, whatever the configuration says (RITA's mandatory never-include list). */
export const MANDATORY_NEVER_INCLUDED = ['0.0.0.0/32', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '255.255.255.255/32', '::1/128', '::/128', 'fe80::/10', 'ff00::/8'];

export const DEFAULT_SCOPE: ScopeConfig = { internalSubnets: DEFAULT_INTERNAL_SUBNETS, alwaysIncludedSubnets: [], neverIncludedSubnets: [], alwaysIncludedDomains: [], neverIncludedDomains: [] };

/** A CIDR (or a bare address) the scope cannot read. */
export class InvalidScopeError extends Error {
  override readonly name = 'InvalidScopeError';
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const text = raw.trim();
    if (text === '') continue;
    const [address = '', bits] = text.split('/');
    const family = isIP(address);
    if (family === 0) throw new InvalidScopeError(`not an address or CIDR: "${raw}"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new InvalidScopeError(`bad prefix length in "${raw}"`);
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/** Addresses whose scope answers one scope keeps, per list. */
const MAX_REMEMBERED_ADDRESSES = 200_000;

const normalDomain = (d: string): string => d.trim().toLowerCase().replace(/\.$/, '');

export type PairRole = 'outbound' | 'inbound-watched' | 'internal' | 'external' | 'excluded';

export interface Scope {
  isInternal(ip: string): boolean;
  /** Dropped whatever the pair: on the never-include list and not on the always-include list. */
  isExcluded(ip: string): boolean;
  isAlwaysIncluded(ip: string): boolean;
  isWatched(ip: string): boolean;
  /** How a connection pair stands; only `outbound` and `inbound-watched` are scored. */
  pairRole(src: string, dst: string): PairRole;
  /** RITA's FilterConnPair plus the watched hosts in both directions. */
  keepConnPair(src: string, dst: string): boolean;
  /** RITA's FilterSNIPair: a pair by server name needs an internal (or watched) source. */
  keepNamedPair(src: string, host: string): boolean;
  /** RITA's FilterDNSPair (internal → internal kept) for a DNS client. */
  keepDnsClient(src: string): boolean;
  /** RITA's FilterDomain. */
  keepDomain(name: string): boolean;
}

export function createScope(config: ScopeConfig, watchedHosts: readonly string[] = []): Scope {
  const internal = blockList(config.internalSubnets);
  const always = blockList(config.alwaysIncludedSubnets);
  const never = blockList([...MANDATORY_NEVER_INCLUDED, ...config.neverIncludedSubnets]);
  const watched = new Set(watchedHosts.map((h) => h.trim().toLowerCase()));
  const fam = (ip: string): 'ipv4' | 'ipv6' | undefined => {
    const f = isIP(ip);
    return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : undefined;
  };
  // BlockList.check builds an address object per call: answers are kept per address (a hunt asks
  // about the same few thousand addresses tens of thousands of times), up to a bound.
  const lists = new Map<BlockList, Map<string, boolean>>();
  const check = (list: BlockList, ip: string): boolean => {
    let memo = lists.get(list);
    if (!memo) lists.set(list, (memo = new Map()));
    let answer = memo.get(ip);
    if (answer === undefined) {
      const f = fam(ip);
      answer = f !== undefined && list.check(ip, f);
      if (memo.size >= MAX_REMEMBERED_ADDRESSES) memo.clear();
      memo.set(ip, answer);
    }
    return answer;
  };
  const alwaysDomains = config.alwaysIncludedDomains.map(normalDomain).filter(Boolean);
  const neverDomains = config.neverIncludedDomains.map(normalDomain).filter(Boolean);
  // `*.example.com` and `example.com` both cover the domain and every name under it.
  const under = (name: string, list: string[]): boolean => list.some((d) => {
    const bare = d.replace(/^\*\./, '');
    return name === bare || name.endsWith(`.${bare}`);
  });
  const isWatched = (ip: string): boolean => watched.has(ip.toLowerCase());
  const isInternal = (ip: string): boolean => isWatched(ip) || check(internal, ip);
  const isAlwaysIncluded = (ip: string): boolean => check(always, ip);
  const isExcluded = (ip: string): boolean => !isAlwaysIncluded(ip) && check(never, ip);
  const pairRole = (src: string, dst: string): PairRole => {
    if (isAlwaysIncluded(src) || isAlwaysIncluded(dst)) return 'outbound';
    if (isExcluded(src) || isExcluded(dst)) return 'excluded';
    if (isWatched(dst) && !isInternal(src)) return 'inbound-watched';
    const s = isInternal(src);
    const d = isInternal(dst);
    if (s && d) return 'internal';
    if (!s && !d) return 'external';
    return s ? 'outbound' : 'external';
  };
  return {
    isInternal,
    isExcluded,
    isAlwaysIncluded,
    isWatched,
    pairRole,
    keepConnPair: (src, dst) => {
      const role = pairRole(src, dst);
      return role === 'outbound' || role === 'inbound-watched';
    },
    keepNamedPair: (src, host) => !isExcluded(src) && isInternal(src) && keepDomain(host),
    keepDnsClient: (src) => !isExcluded(src) && (isAlwaysIncluded(src) || isInternal(src)),
    keepDomain,
  };
  function keepDomain(name: string): boolean {
    const n = normalDomain(name);
    if (under(n, alwaysDomains)) return true;
    return !under(n, neverDomains);
  }
}

/** Reads a scope file (JSON, RITA's key names) over the defaults; unknown keys are refused. */
export function parseScopeConfig(json: unknown): ScopeConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidScopeError('a scope file holds one JSON object');
  const keys: Record<string, keyof ScopeConfig> = {
    internal_subnets: 'internalSubnets',
    always_included_subnets: 'alwaysIncludedSubnets',
    never_included_subnets: 'neverIncludedSubnets',
    always_included_domains: 'alwaysIncludedDomains',
    never_included_domains: 'neverIncludedDomains',
  };
  const out: ScopeConfig = { ...DEFAULT_SCOPE };
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    const field = keys[k];
    if (!field) throw new InvalidScopeError(`unknown scope key "${k}" (known: ${Object.keys(keys).join(', ')})`);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidScopeError(`"${k}" must be a list of strings`);
    out[field] = v as string[];
  }
  // Checked now, so a bad CIDR is reported when the file is read, not in the middle of a hunt.
  createScope(out);
  return out;
}
