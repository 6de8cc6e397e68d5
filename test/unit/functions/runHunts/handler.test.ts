import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { runHunts } from '../../../../functions/runHunts/handler';
import { startInvestigation } from '../../../../functions/startInvestigation/handler';
import { createAthenaEngine } from '../../../../functions/shared/adapters/athena';
import { parseConfig } from '../../../../functions/shared/config';
import { parseInvestigationRequest } from '../../../../functions/shared/domain/request';
import { listHunts, parseQueryFile } from '../../../../functions/shared/hunting/pack';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';
import { ec2Finding, guardDutyEvent } from '../../../support/fixtures';

const athenaMock = mockClient(AthenaClient);
const sfnMock = mockClient(SFNClient);
const QUERIES = join(__dirname, '..', '..', '..', '..', 'queries');
const HOSTILE_DOMAIN = "x' OR '1'='1";
const HOSTILE_IP = "1.2.3.4'; DROP TABLE conn; --";

function deps(): Deps {
  const athena = new AthenaClient({ region: 'us-east-1' });
  return {
    config: parseConfig({ STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate', ATHENA_WORKGROUP: 'mirrorhunt', ATHENA_DATABASE: 'mirrorhunt_zeek' }),
    clients: { sfn: new SFNClient({ region: 'us-east-1' }) } as Deps['clients'],
    now: () => new Date('2026-11-24T10:00:00Z'),
    logger: new Logger({ logLevel: 'SILENT' }),
    queryEngine: async () => createAthenaEngine(athena, { workGroup: 'mirrorhunt', database: 'mirrorhunt_zeek', pollIntervalMs: 1, sleep: async () => undefined }),
  };
}

/** The execution input startInvestigation hands the state machine for a DNS finding naming `domain`. */
async function requestFromDnsFinding(domain: string): Promise<unknown> {
  const finding = ec2Finding({ type: 'Backdoor:EC2/C&CActivity.B!DNS' }) as Record<string, unknown>;
  finding.service = { action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain } } };
  await startInvestigation(deps())(guardDutyEvent(finding));
  return JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}');
}

beforeEach(() => {
  athenaMock.reset();
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:mirrorhunt-dev-investigate:gd-x' });
  let n = 0;
  athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++n}` }));
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [{ Data: [] }] } });
});

describe('runHunts with values from a hostile finding', () => {
  it('sends Athena each query file byte for byte and the finding values only as quoted parameters', async () => {
    // Prepare: the domain comes from the GuardDuty event through startInvestigation; the IP, which
    // the trigger drops as not an address, is what an analyst could type into a manual request.
    const fromFinding = (await requestFromDnsFinding(HOSTILE_DOMAIN)) as Record<string, unknown>;
    const request = parseInvestigationRequest({ ...fromFinding, pivotIps: [HOSTILE_IP] });
    expect(request.pivotDomains).toEqual([HOSTILE_DOMAIN]);
    const state = {
      incidentId: 'gd-16afba5c5c43e07c9e3e5e2e544e95df',
      request,
      target: { hosts: ['10.0.0.12'] },
      mirror: { startedAt: '2026-11-24T08:00:00.000Z' },
      mirrorStop: { stoppedAt: '2026-11-24T09:00:00.000Z' },
    };

    // Act
    const result = await runHunts(deps())(state);

    // Assess
    const files = readdirSync(QUERIES).filter((f) => f.endsWith('.sql'));
    const sent = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(result.outcomes.filter((o) => o.error)).toEqual([]);
    expect(sent).toHaveLength(listHunts('capture').length);
    // Each file with its named placeholders compiled to positional ? (Athena takes no named ones).
    // An investigation scores in the capture mode: the RITA-exact prelude is not sent.
    const capture = new Set(listHunts('capture').map((h) => `${h.name}.sql`));
    expect(sent.map((s) => s.QueryString).sort()).toEqual(files.filter((f) => capture.has(f)).map((f) => parseQueryFile(readFileSync(join(QUERIES, f), 'utf8')).sql).sort());
    for (const query of sent) {
      expect(query.QueryString).not.toContain('DROP TABLE');
      expect(query.QueryString).not.toContain("'1'='1");
    }
    const byName = (name: string) => sent.find((s) => s.QueryString?.startsWith(`-- name: ${name}\n`));
    // The domain is lower-cased for matching; quotes are doubled inside one SQL string literal.
    expect(byName('pivot-domain')?.ExecutionParameters).toContain("'x'' or ''1''=''1'");
    expect(byName('pivot-ip')?.ExecutionParameters).toContain("'1.2.3.4''; DROP TABLE conn; --'");
    for (const query of sent) {
      for (const parameter of query.ExecutionParameters ?? []) expect(parameter).toMatch(/^(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?)$/);
    }
  });
});

/** The state slices runHunts reads, for a one-hour capture of one host. */
const huntState = {
  incidentId: 'gd-16afba5c5c43e07c9e3e5e2e544e95df',
  request: parseInvestigationRequest({ instanceId: 'i-0123456789abcdef0', reason: 'test' }),
  target: { hosts: ['10.0.0.12'] },
  mirror: { startedAt: '2026-11-24T08:00:00.000Z' },
  mirrorStop: { stoppedAt: '2026-11-24T09:00:00.000Z' },
};

describe('runHunts and the engine it opens', () => {

  it('closes the engine after the pack, so a local engine gives back its memory and temporary folder', async () => {
    // Prepare: the Athena engine, with a close that records when it was called.
    const events: string[] = [];
    const base = deps();
    const engine = await base.queryEngine();
    const traced = { ...base, queryEngine: async () => ({ ...engine, run: async (sql: string, params: readonly (string | number)[]) => { events.push('run'); return engine.run(sql, params); }, close: async () => { events.push('close'); } }) };

    // Act
    await runHunts(traced)(huntState);

    // Assess: closed exactly once, after every query.
    expect(events.filter((e) => e === 'close')).toHaveLength(1);
    expect(events[events.length - 1]).toBe('close');
    expect(events.filter((e) => e === 'run')).toHaveLength(listHunts('capture').length);
  });

  it('closes the engine when the pack itself throws', async () => {
    const base = deps();
    let closed = 0;
    const broken = { ...base, queryEngine: async () => ({ name: 'duckdb' as const, get concurrency(): number { throw new Error('engine lost'); }, run: async () => ({ rows: [], elapsedMs: 0 }), close: async () => { closed += 1; } }) };

    await expect(runHunts(broken)(huntState)).rejects.toThrow('engine lost');
    expect(closed).toBe(1);
  });
});

describe('runHunts and the Step Functions state limit', () => {

  it('keeps its result far under 256 KiB when a full port scan makes a 380 KB strobe row, and still reports it', async () => {
    // Prepare: every hunt answers; the strobe hunt with one pair that tried all 65,535 ports, and
    // the rare-user-agent hunt with ten 20 KB agents (as an attacker's tool can send).
    const ports = Array.from({ length: 65_535 }, (_, i) => i + 1).join(',');
    const engine = {
      name: 'athena' as const,
      run: async (sql: string) => {
        if (sql.startsWith('-- name: strobe\n')) return { rows: [{ src: '10.0.0.12', dst: '198.51.100.99', ports, connections: 70_000, first_ts: 1795939200, last_ts: 1795942800, total_bytes: 4_200_000 }], elapsedMs: 1 };
        if (sql.startsWith('-- name: rare-user-agent\n')) return { rows: Array.from({ length: 10 }, (_, i) => ({ src: '10.0.0.12', user_agent: `${'A'.repeat(20_000)}${i}`, dst: '203.0.113.9', host: 'x.example', requests: 3, first_ts: 1795939200, last_ts: 1795942800 })), elapsedMs: 1 };
        return { rows: [], elapsedMs: 1 };
      },
    };
    const base = deps();

    // Act
    const result = await runHunts({ ...base, queryEngine: async () => engine })(huntState);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(100 * 1024);
    expect(result.truncated).toBe(true);
    const strobe = result.outcomes.find((o) => o.name === 'strobe');
    expect(strobe?.findingCount).toBe(1);
    const strobeThreat = result.threats.findings.find((t) => t.hunts.includes('strobe'));
    expect((strobeThreat?.evidence.ports as unknown[]).length).toBeLessThanOrEqual(51);
    expect(result.outcomes.find((o) => o.name === 'rare-user-agent')?.findingCount).toBe(10);
  });
});
