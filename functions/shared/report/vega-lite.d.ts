/**
 * vega-lite ships types only through its package `exports`, which this project's
 * `moduleResolution: node` does not read; this declares the one function the report uses.
 */
declare module 'vega-lite' {
  export type TopLevelSpec = Record<string, unknown> & { config?: Record<string, unknown> };
  export function compile(spec: TopLevelSpec): { spec: import('vega').Spec };
}
