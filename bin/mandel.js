#!/usr/bin/env node
// The CLI runs from the compiled dist/, which `npm ci` builds through the `prepare` script.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
// The command is done: exit now. Nothing may linger — a Redis client's reconnect timer, a
// pool's threads winding down — and a second Ctrl-C must not find the process half torn
// down. (stdout and stderr are synchronous for files and pipes here, so nothing is lost.)
process.exit(code);
