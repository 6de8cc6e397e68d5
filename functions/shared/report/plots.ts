/**
 * The report's plots: Vega-Lite specs compiled to Vega and rendered headless to SVG strings
 * (Vega's own SVG string renderer; no browser, no canvas). Only numbers and our own labels go
 * into a spec: nothing from the logs, so no attacker text can reach the SVG.
 *
 * vega and vega-lite are ESM-only; they are loaded with a dynamic import on first use so the
 * CommonJS code around them (Lambda bundle, tsx, jest) needs no ESM of its own.
 */
import type { TopLevelSpec } from 'vega-lite';

export const PLOT_WIDTH = 300;
export const PLOT_HEIGHT = 150;

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
let libs: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;
const load = () => (libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite })));

const CONFIG = {
  background: 'white',
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#e5e7eb' },
  title: { fontSize: 12, anchor: 'start' as const, fontWeight: 600 as const },
  view: { stroke: null },
};

/** Renders a Vega-Lite spec to a standalone SVG document string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await load();
  const compiled = vegaLite.compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec;
  // No loader use: data are inline values. renderer 'none' skips the DOM; toSVG draws the scene.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Seconds between consecutive connection starts. */
export function intervalsOf(series: Array<[number, number]>): number[] {
  const out: number[] = [];
  for (let i = 1; i < series.length; i += 1) out.push((series[i] as [number, number])[0] - (series[i - 1] as [number, number])[0]);
  return out;
}

/** How regular the timer is: the intervals binned; a beacon is one tall bar. */
export function intervalHistogramSpec(series: Array<[number, number]>): TopLevelSpec {
  const intervals = intervalsOf(series);
  // From zero, so a timer reads as one tall bar at its period rather than jitter spread over the axis.
  const top = Math.max(1, ...intervals) * 1.1;
  return {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    title: 'Interval between connections',
    data: { values: intervals.map((s) => ({ seconds: s })) },
    mark: { type: 'bar', color: '#2563eb' },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', bin: { maxbins: 24, extent: [0, Math.ceil(top)] }, title: 'seconds' },
      y: { aggregate: 'count', type: 'quantitative', title: 'connections' },
    },
  };
}

/** How steady the payload is: bytes sent per connection against time; a beacon is a flat line of dots. */
export function sizeOverTimeSpec(series: Array<[number, number]>): TopLevelSpec {
  return {
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    title: 'Bytes sent per connection over time',
    data: { values: series.map(([t, bytes]) => ({ t: t * 1000, bytes })) },
    mark: { type: 'point', filled: true, size: 18, color: '#dc2626' },
    encoding: {
      x: { field: 't', type: 'temporal', title: 'time (UTC)', timeUnit: 'utchoursminutes', axis: { format: '%H:%M', labelAngle: 0 } },
      y: { field: 'bytes', type: 'quantitative', title: 'bytes', scale: { zero: true } },
    },
  };
}

/** The investigation's steps on one time axis (our own step names only). */
export function timelineSpec(entries: Array<{ at: string; event: string }>): TopLevelSpec {
  return {
    width: PLOT_WIDTH,
    height: Math.max(60, entries.length * 18),
    title: 'Capture timeline',
    data: { values: entries.map((e, i) => ({ t: Date.parse(e.at), event: e.event, order: i })) },
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
  };
}
