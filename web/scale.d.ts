// Types of web/scale.js, the colour scale shared by `mandel run` and the explorer.
export declare const SCALES: readonly ['auto', 'log', 'linear', 'histogram', 'bands'];
export declare const INTERIOR: -1;
export declare const AUTO_SPREAD: number;
export declare const BAND_PERIOD: number;
export interface Palette {
  readonly density?: number;
  readonly offset?: number;
}
export declare const PALETTE: Required<Palette>;
export declare const DENSITY_MIN: number;
export declare const DENSITY_MAX: number;
export declare function colourScale(
  parts: readonly ArrayLike<number>[],
  maxiter: number,
  scale: (typeof SCALES)[number],
  palette?: Palette,
): { scale: Exclude<(typeof SCALES)[number], 'auto'>; index(count: number, fraction?: number): number };
export declare function fold(place: number): number;
