/**
 * Amdahl's law from measurements. With a serial fraction f, n workers give a speed-up
 * S(n) = 1 / (f + (1 − f) / n). Rearranged, 1/S − 1/n = f · (1 − 1/n): a line through the
 * origin in x = 1 − 1/n, so f is fitted by least squares on 1/speed-up, as the tutorial asked.
 * The Karp–Flatt metric e = (1/S − 1/n) / (1 − 1/n) is the same f measured at one point: if
 * it grows with n, something other than a fixed serial part (overhead, too few cores) is
 * eating the speed-up.
 */

export interface SpeedupPoint {
  readonly workers: number;
  readonly speedup: number;
}

export interface AmdahlFit {
  /** Fitted serial fraction f, 0 … 1. */
  readonly serialFraction: number;
  /**
   * Root-mean-square error of the fitted speed-ups against the measured ones; null with a
   * single point, which a one-parameter fit always meets exactly (an error of 0 says nothing).
   */
  readonly rmse: number | null;
  /** Points with more than one worker that the fit used. */
  readonly points: number;
  /** The speed-up the fit predicts at 8, 32 and 128 workers, and its ceiling 1/f. */
  readonly predicted: { readonly workers: number; readonly speedup: number }[];
  readonly ceiling: number;
}

export function amdahlSpeedup(serialFraction: number, workers: number): number {
  return 1 / (serialFraction + (1 - serialFraction) / workers);
}

/** Karp–Flatt: the serial fraction implied by one measured speed-up; undefined at n = 1. */
export function karpFlatt(speedup: number, workers: number): number | undefined {
  if (workers <= 1) return undefined;
  return (1 / speedup - 1 / workers) / (1 - 1 / workers);
}

export function fitAmdahl(points: readonly SpeedupPoint[]): AmdahlFit | undefined {
  const usable = points.filter((p) => p.workers > 1 && p.speedup > 0 && Number.isFinite(p.speedup));
  if (usable.length === 0) return undefined;
  let sxy = 0;
  let sxx = 0;
  for (const { workers, speedup } of usable) {
    const x = 1 - 1 / workers;
    const y = 1 / speedup - 1 / workers;
    sxy += x * y;
    sxx += x * x;
  }
  const serialFraction = Math.min(1, Math.max(0, sxy / sxx));
  const rmse =
    usable.length < 2
      ? null
      : Math.sqrt(usable.reduce((sum, p) => sum + (amdahlSpeedup(serialFraction, p.workers) - p.speedup) ** 2, 0) / usable.length);
  return {
    serialFraction,
    rmse,
    points: usable.length,
    predicted: [8, 32, 128].map((workers) => ({ workers, speedup: amdahlSpeedup(serialFraction, workers) })),
    ceiling: serialFraction > 0 ? 1 / serialFraction : Infinity,
  };
}

/**
 * One line about a fit, for the terminal and the report alike: the fraction, what it rests
 * on (points, and the spread of the same fit repeated on each rep), and its predictions.
 */
export function describeFit(fit: AmdahlFit, repFractions: readonly number[]): string {
  const basis =
    fit.rmse === null ? `fitted on 1 point, so it has no error figure` : `fitted on ${fit.points} points, rms error ${fit.rmse.toFixed(3)}`;
  const spread =
    repFractions.length > 1 ? `; rep by rep it ranged ${Math.min(...repFractions).toFixed(3)}–${Math.max(...repFractions).toFixed(3)}` : '';
  const predicted = fit.predicted.map((p) => `${p.speedup.toFixed(2)}× at ${p.workers}`).join(', ');
  const ceiling = Number.isFinite(fit.ceiling) ? `${fit.ceiling.toFixed(1)}×` : 'none';
  return `serial fraction ${fit.serialFraction.toFixed(4)} (${basis}${spread}); predicted speed-up ${predicted}; ceiling ${ceiling}`;
}
