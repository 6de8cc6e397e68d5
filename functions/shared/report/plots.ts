/**
 * The report's plots, drawn headless to SVG strings with Vega's own SVG string renderer (no
 * browser, no canvas). The specs are Vega-Lite (`plot-specs.ts`), compiled to Vega at development
 * time (`plots.vega.json`); here only the data go in. Only numbers and our own labels go into a
 * plot: nothing from the logs, so no attacker text can reach the SVG.
 *
 * vega is ESM-only; it is loaded with a dynamic import on first use so the CommonJS code around
 * it (Lambda bundle, tsx, jest) needs no ESM of its own.
 */
import compiled from './plots.vega.json';
import type { PlotName } from './plot-specs';

export type { PlotName } from './plot-specs';

type Vega = typeof import('vega');
let vegaLib: Promise<Vega> | undefined;
const load = (): Promise<Vega> => (vegaLib ??= import('vega'));

/** A plot with its rows: what `renderSvg` draws. */
export interface Plot {
  name: PlotName;
  rows: Array<Record<string, number | string>>;
}

/** Draws a plot to a standalone SVG document string. */
export async function renderSvg(plot: Plot): Promise<string> {
  const vega = await load();
  // A fresh copy per drawing: Vega's parser keeps references into the spec it is given.
  const spec = JSON.parse(JSON.stringify((compiled as Record<PlotName, unknown>)[plot.name])) as { data: Array<{ name: string; values?: unknown[] }> };
  const table = spec.data.find((d) => d.name === 'table');
  if (!table) throw new Error(`plots.vega.json: ${plot.name} has no "table" data source (regenerate it from plot-specs.ts)`);
  table.values = plot.rows;
  // No loader use: data are inline values. renderer 'none' skips the DOM; toSVG draws the scene.
  const view = new vega.View(vega.parse(spec as Parameters<Vega['parse']>[0]), { renderer: 'none' });
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

/** A step of 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  return ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
}

/** At most this many bars in the interval histogram (Vega-Lite's own default is 10; a timer wants finer). */
export const HISTOGRAM_MAX_BINS = 24;

/**
 * How regular the timer is: the intervals binned from zero in about 24 equal steps (1, 2 or 5
 * times a power of ten); a beacon is one tall bar at its period.
 */
export function intervalHistogram(series: Array<[number, number]>): Plot {
  const intervals = intervalsOf(series);
  const top = Math.max(1, ...intervals) * 1.1;
  const step = niceStep(top / HISTOGRAM_MAX_BINS);
  // Every bin from zero, empty ones too, so the axis starts at zero whatever the data.
  const counts = new Array<number>(Math.max(1, Math.ceil(top / step))).fill(0);
  for (const s of intervals) {
    const bin = Math.min(counts.length - 1, Math.max(0, Math.floor(s / step)));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return { name: 'intervalHistogram', rows: counts.map((count, bin) => ({ start: bin * step, end: (bin + 1) * step, count })) };
}

/** How steady the payload is: bytes sent per connection against time. */
export function sizeOverTime(series: Array<[number, number]>): Plot {
  return { name: 'sizeOverTime', rows: series.map(([t, bytes]) => ({ t: t * 1000, bytes })) };
}

/** The investigation's steps on one time axis. */
export function timeline(entries: Array<{ at: string; event: string }>): Plot {
  return { name: 'timeline', rows: entries.map((e, i) => ({ t: Date.parse(e.at), event: e.event, order: i })) };
}
