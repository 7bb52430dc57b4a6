#!/usr/bin/env node
// The CLI runs from the compiled dist/, which `npm ci` builds through the `prepare` script.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
process.exitCode = code;
// The command is done: a Redis client's reconnect timer left behind by a failed connection
// must not hold the process for seconds (stdout and stderr are synchronous here).
setTimeout(() => process.exit(code), 100).unref();
