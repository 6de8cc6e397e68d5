/**
 * The Zeek tables the hunt pack reads, with the columns our sensors write
 * (`Log::default_scope_sep = "_"`, so `id_orig_h`). The Glue tables in `infra/athena.yml` and
 * the local DuckDB tables both follow this list; a test keeps them in step.
 * `kind` says how a value is read: `time` accepts epoch seconds or an ISO string, `set` is a
 * Zeek set/vector (an array in JSON, comma-joined in TSV).
 */
export type ColumnKind = 'time' | 'string' | 'int' | 'bigint' | 'double' | 'bool' | 'set';

export interface ZeekColumn {
  name: string;
  kind: ColumnKind;
}

const c = (spec: string): ZeekColumn[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [name, kind] = pair.split(':') as [string, ColumnKind];
      return { name, kind };
    });

const CONN_ID = 'uid:string id_orig_h:string id_orig_p:int id_resp_h:string id_resp_p:int';

export const ZEEK_TABLES: Record<string, ZeekColumn[]> = {
  conn: c(`ts:time ${CONN_ID} proto:string service:string duration:double orig_bytes:bigint resp_bytes:bigint conn_state:string
    local_orig:bool local_resp:bool missed_bytes:bigint history:string orig_pkts:bigint orig_ip_bytes:bigint resp_pkts:bigint
    resp_ip_bytes:bigint tunnel_parents:set`),
  dns: c(`ts:time ${CONN_ID} proto:string trans_id:int rtt:double query:string qclass:int qclass_name:string qtype:int
    qtype_name:string rcode:int rcode_name:string AA:bool TC:bool RD:bool RA:bool answers:set rejected:bool`),
  http: c(`ts:time ${CONN_ID} trans_depth:int method:string host:string uri:string referrer:string version:string
    user_agent:string origin:string request_body_len:bigint response_body_len:bigint status_code:int status_msg:string
    resp_mime_types:set`),
  ssl: c(`ts:time ${CONN_ID} version:string cipher:string curve:string server_name:string resumed:bool established:bool
    subject:string issuer:string validation_status:string ja3:string ja3s:string`),
  x509: c(`ts:time fingerprint:string certificate_version:int certificate_serial:string certificate_subject:string
    certificate_issuer:string certificate_not_valid_before:time certificate_not_valid_after:time certificate_key_alg:string
    certificate_sig_alg:string certificate_key_length:int basic_constraints_ca:bool`),
  files: c(`ts:time fuid:string uid:string source:string analyzers:set mime_type:string filename:string duration:double
    is_orig:bool seen_bytes:bigint total_bytes:bigint md5:string sha1:string sha256:string`),
  notice: c(`ts:time ${CONN_ID} fuid:string proto:string note:string msg:string sub:string src:string dst:string p:int`),
  ssh: c(`ts:time ${CONN_ID} version:int auth_success:bool auth_attempts:int direction:string client:string server:string
    cipher_alg:string kex_alg:string host_key:string`),
  weird: c(`ts:time ${CONN_ID} name:string addl:string notice:bool peer:string source:string`),
};

/**
 * Connections still open when the sensor (or Zeek's `zeek-open-connections` package) snapshots
 * them: the same columns as their closed logs. A long connection shows here while it runs and in
 * `conn` once it ends; the hunts merge the two by `uid`.
 */
ZEEK_TABLES.open_conn = ZEEK_TABLES.conn as ZeekColumn[];
ZEEK_TABLES.open_http = ZEEK_TABLES.http as ZeekColumn[];
ZEEK_TABLES.open_ssl = ZEEK_TABLES.ssl as ZeekColumn[];

export const ZEEK_LOGS = Object.keys(ZEEK_TABLES);

/**
 * Logs Zeek writes that no hunt reads; a folder holding them gets one line saying so, rather
 * than silence (`hunt` and the report list them).
 */
export const KNOWN_UNREAD_LOGS = ['sip', 'tunnel', 'dhcp', 'software', 'dpd', 'known_hosts', 'known_services', 'known_certs', 'capture_loss', 'stats', 'packet_filter', 'loaded_scripts', 'reporter', 'ntp', 'smtp', 'ftp', 'rdp', 'smb_files', 'smb_mapping', 'dce_rpc', 'kerberos', 'ntlm', 'snmp', 'radius', 'irc', 'mysql', 'syslog', 'pe', 'ocsp', 'quic', 'conn_json'];

/** Athena column types for the Glue tables. */
export function athenaType(kind: ColumnKind): string {
  switch (kind) {
    case 'time':
    case 'double':
      return 'double';
    case 'int':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'bool':
      return 'boolean';
    case 'set':
      return 'array<string>';
    default:
      return 'string';
  }
}
