import '../local/polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAutoMirrorMatrix } from '../local/auto-mirror-matrix';
import { MATRIX_FAULTS, runFaultMatrix, type MatrixCell } from '../local/fault-matrix';

/**
 * `npm run bench:faults`: the fault matrix of issue 6, printed. One whole local investigation per
 * (AWS call of the fault-free run) x (fault kind), with IAM in the loop (each function's calls
 * evaluated against its deployed role); a cell passes when nothing of ours is left and the
 * outcome names the fault or the call was visibly retried. Eventual consistency is a kind of its
 * own: the ids a call creates stay invisible to the next calls for a while.
 */

const LEGEND = [
  'legend: RECOVERED = the investigation succeeded anyway (the call was retried, or the late id waited for)',
  '        FAILED-NAMED = the execution failed with an error naming the fault, and its own teardown left nothing',
  '        FAILED+CLEANUP = the execution failed naming the fault; cleanUpExecution removed what it left',
  '        CLEANED = eventual consistency: the run did not recover, but nothing of ours is left',
  '        n/a = not applicable (the call fails on its own, or creates no id)',
  '        MISSED = the cell broke a guarantee (something left behind, or a failure that names nothing)',
];

const mark = (c: MatrixCell | undefined): string => {
  if (!c) return '?';
  if (!c.applicable) return 'n/a';
  if (!c.pass) return 'MISSED';
  if (c.status === 'SUCCEEDED') return 'RECOVERED';
  if (c.fault === 'eventual-consistency') return 'CLEANED';
  return c.cleanedByExecution ? 'FAILED-NAMED' : 'FAILED+CLEANUP';
};

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

async function main(): Promise<void> {
  const finding = JSON.parse(readFileSync(join(__dirname, '..', 'local', 'demo', 'finding.json'), 'utf8')) as unknown;
  const started = Date.now();
  const { baseline, cells } = await runFaultMatrix({ event: finding, concurrency: 6 });
  const byIndex = new Map<number, MatrixCell[]>();
  for (const cell of cells) byIndex.set(cell.index, [...(byIndex.get(cell.index) ?? []), cell]);
  const width = 36;
  const col = 22;
  console.log(`fault matrix: ${baseline.account.calls.length} AWS calls x ${MATRIX_FAULTS.length} fault kinds = ${cells.length} cells (IAM in the loop: every function's calls evaluated against its deployed role)`);
  for (const line of LEGEND) console.log(line);
  console.log(`${'#'.padStart(3)}  ${'call'.padEnd(width)} ${MATRIX_FAULTS.map((f) => f.padEnd(col)).join('')}`);
  for (const [index, row] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
    const call = row[0]?.call ?? '';
    console.log(`${String(index).padStart(3)}  ${call.padEnd(width)} ${MATRIX_FAULTS.map((f) => mark(row.find((c) => c.fault === f)).padEnd(col)).join('')}`);
  }
  const failed = cells.filter((c) => !c.pass);
  const count = (p: (c: MatrixCell) => boolean) => cells.filter(p).length;
  const applicable = cells.filter((c) => c.applicable);
  const late = applicable.filter((c) => c.fault === 'eventual-consistency');
  console.log('');
  console.log(`cells applicable ${applicable.length}, of which recovered ${count((c) => c.applicable && c.status === 'SUCCEEDED')}, failed and named ${count((c) => c.applicable && c.status !== 'SUCCEEDED' && c.pass && c.fault !== 'eventual-consistency')}, n/a ${count((c) => !c.applicable)}`);
  console.log(`guarantee "nothing of ours is left after any cell": ${verdict(count((c) => c.leftOver.length > 0) === 0)} (${count((c) => c.leftOver.length > 0)} cells left something)`);
  console.log(`guarantee "every cell recovers or fails naming the fault": ${verdict(failed.length === 0)} (${failed.length} cells missed it)`);
  console.log(
    `eventual consistency (a created id unseen by the next calls): ${late.filter((c) => c.status === 'SUCCEEDED').length} of ${late.length} creating calls recovered; ` +
      `${late.filter((c) => c.pass && c.status !== 'SUCCEEDED').length} failed but cleaned up; goal "every cell recovers": ${verdict(late.every((c) => c.status === 'SUCCEEDED'))}`,
  );
  for (const c of late.filter((x) => x.status !== 'SUCCEEDED')) console.log(`  not recovered: #${c.index} ${c.call}: ${c.why}`);
  console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const c of failed) console.log(`MISSED #${c.index} ${c.call} ${c.fault}: ${c.why}`);

  const auto = await runAutoMirrorMatrix();
  console.log('');
  console.log(`autoMirror: ${auto.baselineCalls.length} AWS calls x ${MATRIX_FAULTS.length} fault kinds = ${auto.cells.length} invocations (one launch event, 2 instances, 3 ENIs)`);
  console.log('legend: RECOVERED = every ENI mirrored once; REPORTED = the unmirrored ENIs were reported with the fault; n/a = not applicable; MISSED = a guarantee broken');
  console.log(`${'#'.padStart(3)}  ${'call'.padEnd(width)} ${MATRIX_FAULTS.map((f) => f.padEnd(col)).join('')}`);
  for (const [index, call] of auto.baselineCalls.entries()) {
    const row = auto.cells.filter((c) => c.index === index);
    const cellMark = (f: string) => {
      const c = row.find((x) => x.fault === f);
      if (!c) return '?';
      if (c.outcome === 'n/a') return 'n/a';
      if (!c.pass) return 'MISSED';
      return c.outcome.includes('failed') || c.outcome.startsWith('threw') ? 'REPORTED' : 'RECOVERED';
    };
    console.log(`${String(index).padStart(3)}  ${`${call.service}:${call.operation}`.padEnd(width)} ${MATRIX_FAULTS.map((f) => cellMark(f).padEnd(col)).join('')}`);
  }
  const autoFailed = auto.cells.filter((c) => !c.pass);
  console.log(`guarantee "no doubled session, nothing else created, unmirrored ENIs reported with the fault, a replay converges": ${verdict(autoFailed.length === 0)} (${autoFailed.length} of ${auto.cells.length} cells missed it)`);
  for (const c of autoFailed) console.log(`MISSED #${c.index} ${c.call} ${c.fault}: ${c.why}`);
  process.exitCode = failed.length + autoFailed.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
