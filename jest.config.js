/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // vega and vega-lite (report plots) and their d3 and helper packages are ESM-only too.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|dt-sql-parser|antlr4-c3|antlr4ng|vega|vega-[a-z-]+|d3-[a-z-]+|delaunator|robust-predicates|internmap|json-stringify-pretty-compact)/)'],
  // vega-canvas's Node build awaits at top level (an optional `canvas` import), which CommonJS
  // cannot hold; its browser build is the same code without it (no canvas: text is measured by estimate).
  moduleNameMapper: { '^vega-canvas$': '<rootDir>/node_modules/vega-canvas/build/vega-canvas.browser.js' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'sql'],
  setupFiles: ['<rootDir>/local/polyfills.ts', '<rootDir>/test/support/env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  testTimeout: 60000,
  // The coverage gate (`npm test` runs jest --coverage): the pure layers are where the rules live,
  // and they are tested without mocks.
  collectCoverageFrom: ['functions/shared/domain/**/*.ts', 'functions/shared/hunting/**/*.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: {
    './functions/shared/domain/': { lines: 95 },
    './functions/shared/hunting/': { lines: 95 },
  },
};
