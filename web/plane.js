// Positions in the complex plane past double precision, for the explorer. Leaflet works in
// doubles, which cannot tell tiles apart past zoom ~45, so the explorer hands Leaflet a local
// frame — one tile of some zoom z0, the anchor — and moves the anchor deeper (or shallower)
// as the user zooms. Everything absolute (tile indices, the centre in the URL) is exact:
// BigInt fixed point and decimal strings, never a double.

/** 4 / 2^z is a tile's side at zoom z; the plane's top-left corner is −2.5 + 2i. */
const WORLD_LEFT = -2.5;
const WORLD_TOP = 2;

/** A decimal string (any length, optional exponent) as round(value × 2^bits). */
export function decimalToFixed(text, bits) {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(String(text).trim());
  if (!match || (match[2] ?? '') + (match[3] ?? '') === '') throw new Error(`not a decimal number: ${text}`);
  const fraction = match[3] ?? '';
  const exponent = Number(match[4] ?? 0) - fraction.length;
  let value = BigInt((match[2] ?? '') + fraction || '0') << BigInt(bits);
  if (exponent >= 0) value *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    value = (value + divisor / 2n) / divisor;
  }
  return match[1] === '-' ? -value : value;
}

/** value × 2^-bits as a decimal string with `digits` digits after the point (truncated). */
export function fixedToDecimal(value, bits, digits) {
  const negative = value < 0n;
  const scaled = ((negative ? -value : value) * 10n ** BigInt(digits)) >> BigInt(bits);
  const text = scaled.toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits).replace(/0+$/, '');
  return `${negative && scaled !== 0n ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** The fixed-point bits that hold a position at zoom z to well below a pixel. */
export const bitsAt = (z) => Math.max(0, Math.ceil(z)) + 72;

/**
 * The anchor: tile (z0, X0, Y0). Local Leaflet coordinates at local zoom 0 are pixels of that
 * tile (lng = x, lat = −y, 256 across); local zoom L is absolute zoom z0 + L, and local tile
 * (L, x, y) is absolute tile (z0 + L, X0·2^L + x, Y0·2^L + y).
 */
export class Frame {
  constructor(z0 = 0, X0 = 0n, Y0 = 0n) {
    this.z0 = z0;
    this.X0 = X0;
    this.Y0 = Y0;
  }

  tile(local) {
    const scale = 2n ** BigInt(local.z);
    return { z: this.z0 + local.z, x: this.X0 * scale + BigInt(local.x), y: this.Y0 * scale + BigInt(local.y) };
  }

  /** A local point (lng, lat at local zoom 0) as absolute fixed point at `bits`. */
  toFixed(lng, lat, bits) {
    // One local pixel is 4 / 2^z0 / 256 = 2^-(z0 + 6); the offset carries 2^64 of it.
    const unit = BigInt(bits - this.z0 - 6 - 64);
    const offset = (pixels) => (unit >= 0n ? BigInt(Math.round(pixels * 2 ** 64)) << unit : BigInt(Math.round(pixels * 2 ** 64)) >> -unit);
    const side = 1n << BigInt(bits + 2 - this.z0); // 4 / 2^z0
    const left = decimalToFixed(String(WORLD_LEFT), bits) + this.X0 * side;
    const top = decimalToFixed(String(WORLD_TOP), bits) - this.Y0 * side;
    return { re: left + offset(lng), im: top - offset(-lat) };
  }

  /** Where an absolute fixed-point position lies in this frame (lng, lat at local zoom 0). */
  toLocal(re, im, bits) {
    const side = 1n << BigInt(bits + 2 - this.z0);
    const dx = re - (decimalToFixed(String(WORLD_LEFT), bits) + this.X0 * side);
    const dy = decimalToFixed(String(WORLD_TOP), bits) - this.Y0 * side - im;
    // pixels = d / (side / 256), exact to a double by keeping 60 bits of the quotient's fraction.
    const pixels = (d) => Number(((d * 256n) << 60n) / side) / 2 ** 60;
    return { lng: pixels(dx), lat: -pixels(dy) };
  }

  /** The frame anchored at zoom z whose tile holds this absolute position. */
  static around(re, im, bits, z) {
    const z0 = Math.max(0, Math.floor(z));
    const side = 1n << BigInt(bits + 2 - z0);
    const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
    const X0 = floorDiv(re - decimalToFixed(String(WORLD_LEFT), bits), side);
    const Y0 = floorDiv(decimalToFixed(String(WORLD_TOP), bits) - im, side);
    return new Frame(z0, X0, Y0);
  }
}

/** A width (a double, or a decimal string like "1.5e-300") as log2. */
export function log2Of(text) {
  const match = /^\s*(\d*\.?\d*)(?:[eE]([+-]?\d+))?\s*$/.exec(String(text));
  if (!match || !Number(match[1])) return NaN;
  return Math.log2(Number(match[1])) + Number(match[2] ?? 0) * Math.log2(10);
}

/** 2^log2 as a short decimal string, for any exponent. */
export function widthText(log2) {
  const log10 = log2 * Math.log10(2);
  const exponent = Math.floor(log10);
  const mantissa = 10 ** (log10 - exponent);
  return `${mantissa.toFixed(4)}e${exponent}`;
}
