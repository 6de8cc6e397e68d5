import '../local/polyfills';
import { runAutoMirrorMatrix } from '../local/auto-mirror-matrix';
import { MATRIX_FAULTS, runFaultMatrix, type MatrixCell } from '../local/fault-matrix';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench:faults`: the fault matrix of issue 6, printed. One whole local investigation per
 * (AWS call of the fault-free run) x (fault kind); a cell passes when nothing of ours is left and
 * the outcome names the fault or the call was visibly retried.
 */
async function main(): Promise<void> {
  const finding = JSON.parse(readFileSync(join(__dirname, '..', 'local', 'demo', 'finding.json'), 'utf8')) as unknown;
  const started = Date.now();
  const { baseline, cells } = await runFaultMatrix({ event: finding, concurrency: 6 });
  const byIndex = new Map<number, MatrixCell[]>();
  for (const cell of cells) byIndex.set(cell.index, [...(byIndex.get(cell.index) ?? []), cell]);
  const mark = (c: MatrixCell | undefined) => {
    if (!c) return '?';
    if (!c.applicable) return 'n/a';
    if (!c.pass) return 'FAIL';
    return c.status === 'SUCCEEDED' ? 'ok:recovered' : c.cleanedByExecution ? 'ok:failed' : 'ok:failed+cleanup';
  };
  const width = 36;
  console.log(`fault matrix: ${baseline.account.calls.length} AWS calls x ${MATRIX_FAULTS.length} faults = ${cells.length} investigations`);
  console.log(`${'#'.padStart(3)}  ${'call'.padEnd(width)} ${MATRIX_FAULTS.map((f) => f.padEnd(18)).join('')}`);
  for (const [index, row] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
    const call = row[0]?.call ?? '';
    console.log(`${String(index).padStart(3)}  ${call.padEnd(width)} ${MATRIX_FAULTS.map((f) => mark(row.find((c) => c.fault === f)).padEnd(18)).join('')}`);
  }
  const failed = cells.filter((c) => !c.pass);
  const count = (p: (c: MatrixCell) => boolean) => cells.filter(p).length;
  console.log('');
  console.log(`passed ${cells.length - failed.length}/${cells.length}; recovered ${count((c) => c.applicable && c.status === 'SUCCEEDED')}, failed and named ${count((c) => c.applicable && c.status !== 'SUCCEEDED' && c.pass)}` +
    ` (of which the execution's own teardown cleaned ${count((c) => c.applicable && c.status !== 'SUCCEEDED' && c.cleanedByExecution)}, cleanUpExecution the rest), n/a ${count((c) => !c.applicable)}`);
  console.log(`resources of ours left after any cell: ${count((c) => c.leftOver.length > 0)}`);
  console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const c of failed) console.log(`FAIL #${c.index} ${c.call} ${c.fault}: ${c.why}`);

  const auto = await runAutoMirrorMatrix();
  console.log('');
  console.log(`autoMirror: ${auto.baselineCalls.length} AWS calls x ${MATRIX_FAULTS.length} faults = ${auto.cells.length} invocations (one launch event, 2 instances, 3 ENIs)`);
  console.log(`${'#'.padStart(3)}  ${'call'.padEnd(width)} ${MATRIX_FAULTS.map((f) => f.padEnd(18)).join('')}`);
  for (const [index, call] of auto.baselineCalls.entries()) {
    const row = auto.cells.filter((c) => c.index === index);
    console.log(`${String(index).padStart(3)}  ${`${call.service}:${call.operation}`.padEnd(width)} ${MATRIX_FAULTS.map((f) => { const c = row.find((x) => x.fault === f); return (c ? (c.pass ? `ok:${c.outcome.includes('failed') ? 'reported' : 'recovered'}` : 'FAIL') : '?').padEnd(18); }).join('')}`);
  }
  const autoFailed = auto.cells.filter((c) => !c.pass);
  console.log(`passed ${auto.cells.length - autoFailed.length}/${auto.cells.length} (no doubled session, nothing else created, unmirrored ENIs reported with the fault, a replay converges)`);
  for (const c of autoFailed) console.log(`FAIL #${c.index} ${c.call} ${c.fault}: ${c.why}`);
  process.exitCode = failed.length + autoFailed.length > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
