#!/usr/bin/env node
/* global require, __dirname */
// Runs the TypeScript CLI (src/cli/main.ts) through tsx, so it works right after `npm ci` with no build step.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('tsx/cjs/api').register();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require(require('node:path').join(__dirname, '..', 'src', 'cli', 'main.ts'));
main(process.argv).then((code) => process.exit(code));
