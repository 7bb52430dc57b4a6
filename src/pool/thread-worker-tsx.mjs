// Worker threads cannot load TypeScript by themselves on Node 20 (`--import tsx` in a
// worker's execArgv is not honoured). When mandel runs from its .ts sources (the tests), or
// a kernel module is a .ts file, the pool starts here: register tsx, then load the worker.
// tsx must then be installed (it is a dev dependency of mandel, and of any TS project).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const worker = await import(workerData.workerFile);
export default worker.default;
