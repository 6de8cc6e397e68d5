import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { seededRandom } from '../seeded-random';

/**
 * SYNTHETIC Zeek logs: seeded, made-up traffic in the shape our sensors ship (JSON lines,
 * underscore keys, epoch `ts`, gzip, `zeek/<log>/dt=YYYY-MM-DD/hour=HH/<sensor>-<ts>.json.gz`; the real shipper also puts the open time in the name).
 * It stands in for a real capture in the local demo, the tests and the benchmark. It is not a
 * traffic model: background connections are uniform in time (so they never look periodic), and
 * the planted beacons, DNS tunnel and the mirror's own VXLAN flows are there to be found or, for
 * VXLAN, to be ignored.
 */
export interface SyntheticBeacon {
  src: string;
  dst: string;
  dstPort: number;
  intervalSeconds: number;
  jitterSeconds: number;
  bytes: number;
  /** SNI (port 443) or HTTP Host (other ports). */
  host?: string;
}

export interface SyntheticTrafficSpec {
  seed: number;
  from: Date;
  to: Date;
  internalHosts: string[];
  externalHosts?: string[];
  beacons: SyntheticBeacon[];
  backgroundConnectionsPerHour: number;
  dnsTunnelDomain?: string;
  vpcCidrs?: string[];
}

type Row = Record<string, unknown> & { ts: number };

const gzipAsync = promisify(gzip);
const HOUR = 3600;
const COMMON_DOMAINS = ['amazonaws.com', 'github.com', 'ubuntu.com', 'debian.org', 'npmjs.org', 'google.com', 'cloudflare.com', 'microsoft.com', 'akamaihd.net', 'fastly.net'];
const USER_AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0', 'curl/8.5.0', 'aws-cli/2.17.0 Python/3.11', 'Debian APT-HTTP/1.3 (2.6.1)'];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function defaultExternalHosts(random: () => number): string[] {
  return Array.from({ length: 200 }, (_, i) => `${[23, 34, 52, 104, 142, 151, 185][i % 7]}.${Math.floor(random() * 250) + 1}.${Math.floor(random() * 250) + 1}.${Math.floor(random() * 250) + 1}`);
}

export async function writeSyntheticZeekLogs(spec: SyntheticTrafficSpec, rootDir: string, options: { sensorId?: string } = {}): Promise<{ files: string[]; rows: Record<string, number> }> {
  const random = seededRandom(spec.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const uid = (): string => `C${Array.from({ length: 17 }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('')}`;
  const externals = spec.externalHosts?.length ? spec.externalHosts : defaultExternalHosts(random);
  const internals = spec.internalHosts.length ? spec.internalHosts : ['10.0.1.10'];
  const vpcBase = (spec.vpcCidrs?.[0] ?? '10.0.0.0/16').split('/')[0]?.split('.').slice(0, 3) ?? ['10', '0', '0'];
  const resolver = `${vpcBase.slice(0, 2).join('.')}.0.2`;
  const sensorIp = `${vpcBase.join('.')}.250`;
  const sensorId = options.sensorId ?? 'synthetic-sensor';
  const from = spec.from.getTime() / 1000;
  const to = spec.to.getTime() / 1000;

  const nextBeat = spec.beacons.map(() => from + random() * 30);
  let tunnelNext = from + random() * 10;
  const files: string[] = [];
  const counts: Record<string, number> = { conn: 0, dns: 0, http: 0, ssl: 0 };

  for (let hourStart = Math.floor(from / HOUR) * HOUR; hourStart < to; hourStart += HOUR) {
    const lo = Math.max(from, hourStart);
    const hi = Math.min(to, hourStart + HOUR);
    const rows: Record<string, Row[]> = { conn: [], dns: [], http: [], ssl: [] };
    // The mirror's own flow as the sensor sees it: one long UDP 4789 "connection" per source and hour.
    const outer = new Map<string, string>();
    for (const ip of internals) {
      const id = uid();
      outer.set(ip, id);
      rows.conn?.push({ ts: lo, uid: id, id_orig_h: ip, id_orig_p: 40000 + Math.floor(random() * 20000), id_resp_h: sensorIp, id_resp_p: 4789, proto: 'udp', service: 'vxlan', duration: hi - lo, orig_bytes: 0, resp_bytes: 0, conn_state: 'S0', local_orig: true, local_resp: true, missed_bytes: 0, history: 'D', orig_pkts: 1000, orig_ip_bytes: 600000, resp_pkts: 0, resp_ip_bytes: 0 });
    }
    const conn = (ts: number, src: string, dst: string, port: number, bytes: number, respBytes: number, service?: string): string => {
      const id = uid();
      const pkts = Math.max(1, Math.round(bytes / 500) + 3);
      rows.conn?.push({
        ts, uid: id, id_orig_h: src, id_orig_p: 32768 + Math.floor(random() * 28000), id_resp_h: dst, id_resp_p: port,
        proto: port === 53 ? 'udp' : 'tcp', ...(service ? { service } : {}), duration: 0.05 + random() * 0.5,
        orig_bytes: bytes, resp_bytes: respBytes, conn_state: port === 53 ? 'SF' : 'SF', local_orig: true, local_resp: false,
        missed_bytes: 0, history: 'ShADadFf', orig_pkts: pkts, orig_ip_bytes: bytes + pkts * 40, resp_pkts: pkts, resp_ip_bytes: respBytes + pkts * 40,
        ...(outer.has(src) ? { tunnel_parents: [outer.get(src)] } : {}),
      });
      return id;
    };

    spec.beacons.forEach((b, i) => {
      let t = nextBeat[i] as number;
      while (t < hi) {
        if (t >= lo) {
          const ts = Math.round(t * 1e6) / 1e6;
          const service = b.dstPort === 443 ? 'ssl' : b.dstPort === 80 ? 'http' : undefined;
          const id = conn(ts, b.src, b.dst, b.dstPort, b.bytes + Math.floor(random() * 5), 300 + Math.floor(random() * 50), service);
          if (b.host && b.dstPort === 443) rows.ssl?.push({ ts: ts + 0.01, uid: id, id_orig_h: b.src, id_orig_p: 0, id_resp_h: b.dst, id_resp_p: b.dstPort, version: 'TLSv13', server_name: b.host, established: true, validation_status: 'ok', ja3: 'e7d705a3286e19ea42f587b344ee6865' });
          else if (b.host) rows.http?.push({ ts: ts + 0.01, uid: id, id_orig_h: b.src, id_orig_p: 0, id_resp_h: b.dst, id_resp_p: b.dstPort, trans_depth: 1, method: 'GET', host: b.host, uri: '/updates/check', version: '1.1', user_agent: 'Mozilla/4.0 (compatible; MSIE 6.0)', request_body_len: 0, response_body_len: 120, status_code: 200, status_msg: 'OK' });
        }
        t += Math.max(1, b.intervalSeconds + (random() * 2 - 1) * b.jitterSeconds);
      }
      nextBeat[i] = t;
    });

    const background = Math.round((spec.backgroundConnectionsPerHour * (hi - lo)) / HOUR);
    for (let k = 0; k < background; k += 1) {
      const ts = Math.round((lo + random() * (hi - lo)) * 1e6) / 1e6;
      const src = pick(internals);
      const r = random();
      if (r < 0.1) {
        const name = `${pick(['www', 'api', 'cdn', 'static', 'login'])}.${pick(COMMON_DOMAINS)}`;
        const id = conn(ts, src, resolver, 53, 40 + Math.floor(random() * 20), 80 + Math.floor(random() * 100), 'dns');
        rows.dns?.push({ ts, uid: id, id_orig_h: src, id_orig_p: 0, id_resp_h: resolver, id_resp_p: 53, proto: 'udp', query: name, qtype_name: 'A', rcode_name: random() < 0.02 ? 'NXDOMAIN' : 'NOERROR', answers: ['192.0.2.1'] });
      } else {
        const port = r < 0.8 ? 443 : 80;
        const dst = pick(externals);
        const bytes = Math.floor(200 + random() * random() * 40000);
        const id = conn(ts, src, dst, port, bytes, Math.floor(random() * 200000), port === 443 ? 'ssl' : 'http');
        if (port === 80 && random() < 0.2) rows.http?.push({ ts, uid: id, id_orig_h: src, id_orig_p: 0, id_resp_h: dst, id_resp_p: 80, trans_depth: 1, method: 'GET', host: `mirror.${pick(COMMON_DOMAINS)}`, uri: '/', version: '1.1', user_agent: pick(USER_AGENTS), status_code: 200 });
      }
    }

    if (spec.dnsTunnelDomain) {
      const src = internals[0] as string;
      while (tunnelNext < hi) {
        if (tunnelNext >= lo) {
          const label = Array.from({ length: 24 }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
          const ts = Math.round(tunnelNext * 1e6) / 1e6;
          const id = conn(ts, src, resolver, 53, 90, 120, 'dns');
          rows.dns?.push({ ts, uid: id, id_orig_h: src, id_orig_p: 0, id_resp_h: resolver, id_resp_p: 53, proto: 'udp', query: `${label}.${spec.dnsTunnelDomain}`, qtype_name: 'TXT', rcode_name: 'NOERROR' });
        }
        tunnelNext += 5 + random() * 10;
      }
    }

    const d = new Date(hourStart * 1000).toISOString();
    for (const [log, list] of Object.entries(rows)) {
      if (list.length === 0) continue;
      list.sort((a, b) => a.ts - b.ts);
      const dir = join(rootDir, 'zeek', log, `dt=${d.slice(0, 10)}`, `hour=${d.slice(11, 13)}`);
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${sensorId}-${hourStart}.json.gz`);
      await writeFile(file, await gzipAsync(list.map((r) => JSON.stringify(r)).join('\n') + '\n', { level: 1 }));
      files.push(file);
      counts[log] = (counts[log] ?? 0) + list.length;
    }
  }
  return { files, rows: counts };
}
