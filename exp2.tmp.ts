import { createDuckDbEngine } from './local/duckdb-engine';
import { columnsReadByPack, runHuntPack } from './functions/shared/hunting/pack';
(async () => {
  const engine = await createDuckDbEngine({ logsDir: '/tmp/bh', onlyColumns: columnsReadByPack() });
  console.log('engine concurrency', engine.concurrency);
  const params = { from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-21T00:00:00Z'), hosts: [], pivotIps: [], pivotDomains: [] };
  for (const c of [Number(process.argv[2]), Number(process.argv[3])]) {
    const t = Date.now();
    const o = await runHuntPack(engine, params, { concurrency: c });
    console.log('concurrency', c, Date.now() - t, 'ms', JSON.stringify(Object.fromEntries(o.map((x) => [x.name, x.elapsedMs]))));
  }
  await engine.close();
})();
