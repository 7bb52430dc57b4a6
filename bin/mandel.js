#!/usr/bin/env node
// The CLI runs from the compiled dist/, which `npm ci` builds through the `prepare` script.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
