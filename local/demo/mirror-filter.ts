import { BlockList, isIP } from 'node:net';
import type { FilterRuleSpec } from '../../functions/shared/domain/filter-rules';
import type { DuckDbEngine } from '../duckdb-engine';

/**
 * What a traffic mirror session on the instance's ENI would have delivered, applied to a folder of
 * logs that were captured some other way (`demo --logs`). Simulated, for the demo: it plays AWS's
 * part in deciding which packets are mirrored, with the product's own filter rules
 * (eastWestFilterRules) as the input, so the demo hunts what a real capture would hold.
 *
 * AWS's rules of evaluation (Traffic Mirroring user guide, "Traffic mirror filters" and "filter
 * rules"; summarised in /work/shared/docs/traffic-mirroring.md): per direction, rules in ascending
 * rule number, the first whose source and destination CIDR blocks match decides; no match means
 * not mirrored. The `amazon-dns` network service mirrors DNS to the Amazon DNS server, which is
 * otherwise never mirrored.
 */

export interface Packet {
  direction: 'ingress' | 'egress';
  source: string;
  destination: string;
}

function cidrContains(cidr: string, address: string): boolean {
  const [base, bits] = cidr.split('/');
  const family = isIP(base ?? '');
  if (family === 0 || family !== isIP(address)) return false;
  const list = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  list.addSubnet(base as string, Number(bits), type);
  return list.check(address, type);
}

/** Whether one packet is mirrored by a filter with these rules. */
export function isPacketMirrored(rules: FilterRuleSpec[], packet: Packet): boolean {
  const first = rules
    .filter((r) => r.direction === packet.direction)
    .sort((a, b) => a.ruleNumber - b.ruleNumber)
    .find((r) => cidrContains(r.sourceCidrBlock, packet.source) && cidrContains(r.destinationCidrBlock, packet.destination));
  return first?.action === 'accept';
}

export interface Connection {
  orig: string;
  resp: string;
  respPort?: number;
}

export interface SessionView {
  rules: FilterRuleSpec[];
  /** The mirrored ENIs' addresses: a session sees only traffic to or from them. */
  instanceIps: string[];
  /** Amazon DNS server addresses (the VPC base + 2, and 169.254.169.253), kept by `amazon-dns`. */
  amazonDns: string[];
}

/**
 * Whether the session would have shown Zeek this connection: it involves the instance, and the
 * packets of at least one direction pass the filter (Zeek logs a connection seen one way too).
 */
export function isConnectionMirrored(view: SessionView, c: Connection): boolean {
  const outbound = view.instanceIps.includes(c.orig);
  const inbound = view.instanceIps.includes(c.resp);
  if (!outbound && !inbound) return false;
  const peer = outbound ? c.resp : c.orig;
  if (c.respPort === 53 && view.amazonDns.includes(peer)) return true;
  const me = outbound ? c.orig : c.resp;
  return isPacketMirrored(view.rules, { direction: 'egress', source: me, destination: peer }) || isPacketMirrored(view.rules, { direction: 'ingress', source: peer, destination: me });
}

/** The Amazon DNS server of a VPC: its primary IPv4 CIDR's base plus two (VPC user guide, "Amazon DNS server"). */
export function amazonDnsAddresses(primaryCidr: string): string[] {
  const [base] = primaryCidr.split('/');
  const octets = (base ?? '').split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) return ['169.254.169.253'];
  const n = (((octets[0] as number) * 256 + (octets[1] as number)) * 256 + (octets[2] as number)) * 256 + (octets[3] as number) + 2;
  return [[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.'), '169.254.169.253'];
}

export interface FilterOutcome {
  kept: number;
  dropped: number;
  /** Per log: rows before and after. */
  tables: Record<string, { before: number; after: number }>;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Deletes from every loaded log table the rows of connections the session would not have mirrored.
 * Logs without connection addresses (x509) are left as they are.
 */
export async function applyMirrorFilter(engine: DuckDbEngine, view: SessionView): Promise<FilterOutcome> {
  const outcome: FilterOutcome = { kept: 0, dropped: 0, tables: {} };
  for (const [table, info] of Object.entries(engine.tables)) {
    if (info.rows === 0) continue;
    const columns = await engine.run(`SELECT column_name FROM information_schema.columns WHERE table_name = '${table}'`, []);
    const names = new Set(columns.rows.map((r) => String(r.column_name)));
    if (!names.has('id_orig_h') || !names.has('id_resp_h')) continue;
    const hasPort = names.has('id_resp_p');
    const pairs = await engine.run(`SELECT DISTINCT id_orig_h AS orig, id_resp_h AS resp${hasPort ? ', id_resp_p AS port' : ''} FROM ${table}`, []);
    const dropped = pairs.rows.filter((p) => !isConnectionMirrored(view, { orig: String(p.orig), resp: String(p.resp), respPort: p.port === undefined || p.port === null ? undefined : Number(p.port) }));
    const before = Number((await engine.run(`SELECT count(*) AS n FROM ${table}`, [])).rows[0]?.n ?? 0);
    // In slices: one DELETE with thousands of OR terms is slow to plan.
    for (let i = 0; i < dropped.length; i += 200) {
      const terms = dropped
        .slice(i, i + 200)
        .map((p) => `(id_orig_h = ${quote(String(p.orig))} AND id_resp_h = ${quote(String(p.resp))}${hasPort ? (p.port === null || p.port === undefined ? ' AND id_resp_p IS NULL' : ` AND id_resp_p = ${Number(p.port)}`) : ''})`);
      await engine.run(`DELETE FROM ${table} WHERE ${terms.join(' OR ')}`, []);
    }
    const after = Number((await engine.run(`SELECT count(*) AS n FROM ${table}`, [])).rows[0]?.n ?? 0);
    outcome.tables[table] = { before, after };
    outcome.kept += after;
    outcome.dropped += before - after;
  }
  return outcome;
}
