#!/usr/bin/env node
// The `mirrorhunt` command: runs the TypeScript CLI (bin/mirrorhunt.ts) through tsx, so it works
// straight from a checkout (`npx mirrorhunt ...` after `npm ci`) without a build step.
'use strict';
require('tsx/cjs');
const { main } = require('./mirrorhunt.ts');

main(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    const err = error instanceof Error ? error : new Error(String(error));
    process.stderr.write(`mirrorhunt: ${err.name}: ${err.message}\n`);
    process.exitCode = 1;
  },
);
