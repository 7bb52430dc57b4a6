/** Number formatting for people: thousands separators, short SI rates. */

export function grouped(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function rate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

export function signedBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '+';
  const abs = Math.abs(bytes);
  if (abs >= 2 ** 20) return `${sign}${(abs / 2 ** 20).toFixed(1)} MiB`;
  if (abs >= 2 ** 10) return `${sign}${(abs / 2 ** 10).toFixed(1)} KiB`;
  return `${sign}${abs} B`;
}
