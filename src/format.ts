/**
 * Numbers for people, one wording everywhere: byte sizes (binary units), thousands
 * separators, short SI rates. The library uses them in its messages and reports; the CLI in
 * its tables.
 */

/** 1536 → "1.5 KiB"; exact bytes below 1 KiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A memory delta with its sign always shown: "+1.5 KiB", "-3 B". */
export function signedBytes(bytes: number): string {
  return (bytes < 0 ? '' : '+') + formatBytes(bytes);
}

/** 51214485 → "51,214,485". Not toLocaleString: its first call loads ICU, ~20 ms of every run. */
export function grouped(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 3.2e9 → "3.20 G": for rates such as iterations per second. */
export function rate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

/** Wraps text at spaces to lines of at most `width` characters (longer words stand alone). */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The width to wrap prose to: the terminal's, at most 100 columns; 100 when not a terminal. */
export function textWidth(stream: { columns?: number | undefined } = process.stdout): number {
  return Math.max(40, Math.min(100, stream.columns ?? 100));
}
