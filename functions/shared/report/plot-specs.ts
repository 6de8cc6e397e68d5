/**
 * The report's plots as Vega-Lite specs, with their data left out (a named source, `table`). They
 * are compiled to Vega once, at development time, into `plots.vega.json`; the Lambda bundle and
 * the CLI carry Vega's runtime only, not the Vega-Lite compiler (a third of a megabyte).
 *
 * Regenerate after editing: npx tsx functions/shared/report/plot-specs.ts > functions/shared/report/plots.vega.json
 * (`plot-specs.test.ts` fails while the file is stale).
 */
import type { TopLevelSpec } from 'vega-lite';

export const PLOT_WIDTH = 300;
export const PLOT_HEIGHT = 150;

export type PlotName = 'intervalHistogram' | 'sizeOverTime' | 'timeline';

const CONFIG = {
  background: 'white',
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#e5e7eb' },
  title: { fontSize: 12, anchor: 'start' as const, fontWeight: 600 as const },
  view: { stroke: null },
};

const table = { name: 'table' };

export const PLOT_SPECS: Record<PlotName, TopLevelSpec> = {
  // How regular the timer is: the intervals, binned from zero (by `plots.ts`), so a timer reads as
  // one tall bar at its period. Rows: { start, end, count }.
  intervalHistogram: {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    title: 'Interval between connections',
    data: table,
    mark: { type: 'bar', color: '#2563eb' },
    encoding: {
      x: { field: 'start', type: 'quantitative', bin: { binned: true }, title: 'seconds' },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', title: 'connections', axis: { tickMinStep: 1 } },
    },
    config: CONFIG,
  },
  // How steady the payload is: bytes per connection against time; a beacon is a flat line of dots.
  // Rows: { t (epoch ms), bytes }.
  sizeOverTime: {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    title: 'Bytes sent per connection over time',
    data: table,
    mark: { type: 'point', filled: true, size: 18, color: '#dc2626' },
    encoding: {
      x: { field: 't', type: 'temporal', title: 'time (UTC)', timeUnit: 'utchoursminutes', axis: { format: '%H:%M', labelAngle: 0 } },
      y: { field: 'bytes', type: 'quantitative', title: 'bytes', scale: { zero: true } },
    },
    config: CONFIG,
  },
  // The investigation's steps on one time axis (our own step names only). Rows: { t, event, order }.
  timeline: {
    width: PLOT_WIDTH,
    height: { step: 18 },
    title: 'Capture timeline',
    data: table,
    layer: [
      { mark: { type: 'rule', color: '#9ca3af' }, encoding: { x: { field: 't', type: 'temporal', aggregate: 'min' }, x2: { field: 't', aggregate: 'max' } } },
      {
        mark: { type: 'point', filled: true, size: 50, color: '#111827' },
        encoding: {
          x: { field: 't', type: 'temporal', title: 'time (UTC)', axis: { format: '%H:%M', labelAngle: 0 } },
          y: { field: 'event', type: 'nominal', title: null, sort: { field: 'order', op: 'min' } },
        },
      },
    ],
    config: CONFIG,
  },
};

/** The specs compiled to Vega (what `plots.vega.json` holds). Needs vega-lite: development only. */
export async function compilePlots(): Promise<Record<PlotName, unknown>> {
  const { compile } = await import('vega-lite');
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PLOT_SPECS)) out[name] = compile(spec).spec;
  return out as Record<PlotName, unknown>;
}

if (require.main === module) {
  void compilePlots().then((plots) => process.stdout.write(`${JSON.stringify(plots, null, 1)}\n`));
}
