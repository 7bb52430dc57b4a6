// Types of web/scale.js, the colour scale shared by `mandel run` and the explorer.
export declare const SCALES: readonly ['auto', 'log', 'linear', 'histogram', 'bands'];
export declare const INTERIOR: -1;
export declare const AUTO_SPREAD: number;
export declare const BAND_PERIOD: number;
export declare function colourScale(
  parts: readonly ArrayLike<number>[],
  maxiter: number,
  scale: (typeof SCALES)[number],
): { scale: Exclude<(typeof SCALES)[number], 'auto'>; index(count: number): number };
