import { createHash } from 'node:crypto';

/**
 * An error the simulated account answers with. The account turns it into the SDK's own exception
 * class for the service, named by the AWS error code, exactly as a real response would arrive.
 */
export class SimFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const fail = (code: string, message: string, httpStatus = 400): never => {
  throw new SimFailure(code, message, httpStatus);
};

export type Tags = Record<string, string>;

export interface SdkTag {
  Key?: string;
  Value?: string;
}

export function toSdkTags(tags: Tags): SdkTag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function fromSdkTags(tags: SdkTag[] | undefined, where: string): Tags {
  const out: Tags = {};
  for (const tag of tags ?? []) {
    if (!tag.Key) fail('InvalidParameterValue', `${where}: a tag needs a key`);
    const key = tag.Key as string;
    if (key.length > 127) fail('InvalidParameterValue', `${where}: tag key "${key.slice(0, 20)}..." is longer than 127 characters`);
    if (key.toLowerCase().startsWith('aws:')) fail('InvalidParameterValue', `${where}: tag keys starting with "aws:" are reserved`);
    if ((tag.Value ?? '').length > 255) fail('InvalidParameterValue', `${where}: the value of tag "${key}" is longer than 255 characters`);
    out[key] = tag.Value ?? '';
  }
  if (Object.keys(out).length > 50) fail('TagLimitExceeded', `${where}: at most 50 tags per resource`);
  return out;
}

/**
 * Ids that look like AWS's (prefix + 17 hex digits) and repeat from run to run: the n-th id of a
 * kind is always the same, so a recorded timeline can be compared with the next one.
 */
export class IdFactory {
  private readonly counters = new Map<string, number>();
  private readonly issued = new Set<string>();

  constructor(private readonly seed = 'mirrorhunt-sim') {}

  next(prefix: string): string {
    for (;;) {
      const n = (this.counters.get(prefix) ?? 0) + 1;
      this.counters.set(prefix, n);
      const hex = createHash('sha256').update(`${this.seed}:${prefix}:${n}`).digest('hex').slice(0, 17);
      const id = `${prefix}-${hex}`;
      if (!this.issued.has(id)) {
        this.issued.add(id);
        return id;
      }
    }
  }

  /** Ids given by the caller (seeded worlds) are remembered so generated ones never collide with them. */
  reserve(id: string): void {
    if (this.issued.has(id)) throw new Error(`the id ${id} is already in use in the simulated account`);
    this.issued.add(id);
  }
}

/** AWS's wildcard matching for filter values: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(value);
}

export interface Paged<T> {
  items: T[];
  nextToken?: string;
}

/**
 * Cuts a result into pages the way the EC2 and S3 APIs do: an opaque token that only this
 * listing accepts, and an error for a token that is not one.
 */
export function paginate<T>(all: T[], options: { maxResults?: number; nextToken?: string; defaultPageSize: number; minPageSize?: number; maxPageSize?: number; operation: string; invalidTokenCode?: string }): Paged<T> {
  const { maxResults, nextToken, operation } = options;
  if (maxResults !== undefined) {
    const min = options.minPageSize ?? 1;
    const max = options.maxPageSize ?? 1000;
    if (!Number.isInteger(maxResults) || maxResults < min || maxResults > max) {
      fail('InvalidParameterValue', `${operation}: MaxResults must be an integer from ${min} to ${max} (got ${maxResults})`);
    }
  }
  const size = maxResults ?? options.defaultPageSize;
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = /^sim:(\d+)$/.exec(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!decoded) fail(options.invalidTokenCode ?? 'InvalidNextToken', `${operation}: the pagination token is not valid`);
    start = Number((decoded as RegExpExecArray)[1]);
  }
  const items = all.slice(start, start + size);
  const end = start + items.length;
  return { items, nextToken: end < all.length ? Buffer.from(`sim:${end}`).toString('base64') : undefined };
}

/** IPv4 CIDR parsing, for address allocation and rule checks. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return { base: ip - (ip % size), prefix };
}

export function isIpv6Cidr(cidr: string): boolean {
  return /^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr) && cidr.includes(':');
}

export function ipToString(ip: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(ip / 2 ** shift) % 256).join('.');
}

export function ipToNumber(ip: string): number | undefined {
  const parsed = parseCidr(`${ip}/32`);
  return parsed?.base;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const n = ipToNumber(ip);
  if (!c || n === undefined) return false;
  return n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}
