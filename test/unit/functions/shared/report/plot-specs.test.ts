import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePlots, PLOT_SPECS } from '../../../../../functions/shared/report/plot-specs';

describe('the compiled plots (plots.vega.json)', () => {
  it('are what Vega-Lite compiles plot-specs.ts to (regenerate: npx tsx functions/shared/report/plot-specs.ts > functions/shared/report/plots.vega.json)', async () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'functions', 'shared', 'report', 'plots.vega.json'), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(await compilePlots())));
  });

  it('each take their rows through one named source, so nothing else of the spec changes with the data', () => {
    for (const spec of Object.values(PLOT_SPECS)) expect(spec.data).toEqual({ name: 'table' });
  });
});
