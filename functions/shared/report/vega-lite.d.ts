/**
 * vega-lite ships types only through its package `exports`, which this project's
 * `moduleResolution: node` does not read; this declares the one function the plot compiler (`plot-specs.ts`, development only) uses.
 */
declare module 'vega-lite' {
  export type TopLevelSpec = Record<string, unknown> & { config?: Record<string, unknown> };
  export function compile(spec: TopLevelSpec): { spec: import('vega').Spec };
}
