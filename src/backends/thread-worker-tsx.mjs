// Development only: when mandel runs from its TypeScript sources (the tests do), worker
// threads cannot load .ts files by themselves on Node 20 (`--import tsx` in a worker's
// execArgv is not honoured), so this plain module registers tsx, then loads the worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./thread-worker.ts');
export default worker.default;
