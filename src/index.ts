/**
 * mandel's public API. Everything not exported here is internal and may change.
 */
export { MandelError, InvalidOptionError, AbortError, isMandelError, type MandelErrorCode } from './errors.js';
export {
  tutorialWorkload,
  gridWorkload,
  benchmarksGameWorkload,
  axisCoordinates,
  elementsOf,
  TUTORIAL_REGION,
  DEFAULT_SIZE,
  DEFAULT_MAXITER,
  type Workload,
  type Axis,
  type Region,
  type TutorialSpec,
  type GridSpec,
  type DeepCentre,
} from './workload.js';
export { planChunks, SCHEDULES, DEFAULT_SCHEDULE, type Chunk, type Schedule, type PlanOptions } from './plan.js';
export { render, type RenderOptions } from './render.js';
export { renderBitmap, bitmapPbm, type BitmapOptions, type BitmapResult } from './bitmap.js';
export { viewWorkload, type ViewSpec } from './deep/view.js';
export { renderMovie, type MovieOptions, type MovieResult } from './movie/movie.js';
export { summarise, type RenderResult } from './result.js';
export { createBackend, BACKENDS, type BackendName, type BackendOptions } from './create-backend.js';
export type { Backend, RenderJob, RunHooks } from './backends/types.js';
export { SerialBackend } from './backends/serial.js';
export { ThreadsBackend, type ThreadsBackendOptions } from './backends/threads.js';
// The cluster (BullMQ, ioredis) is its own entry point, 'mandel/cluster', so that importing
// 'mandel' does not load a Redis client.
export type { Kernel, KernelInput } from './kernels/types.js';
export { registerKernel, getKernel, kernelNames } from './kernels/registry.js';
export { escapeCount } from './kernels/js.js';
export { escapes } from './kernels/escape.js';
export {
  TraceRecorder,
  PHASE,
  laneSummaries,
  type LaneSummary,
  type Trace,
  type ChunkEvent,
  type PhaseEvent,
  type PhaseName,
  type MemorySample,
} from './trace.js';
export { measureRepresentations, type RepresentationCost } from './memory.js';
export { encodePng, type ImageOptions } from './outputs/png.js';
export { encodeNpyInt32, decodeNpyInt32 } from './outputs/npy.js';
export { encodePbm } from './outputs/pbm.js';
export { surfaceHtml } from './outputs/surface3d.js';
export { colormapTable, COLORMAPS, type ColormapName } from './outputs/colormap.js';
export { timelineSvg, traceJson } from './outputs/timeline.js';
export { writeOutputs, type OutputOptions, type WrittenFile } from './outputs/index.js';
