/**
 * NumPy's .npy format, version 1.0: a magic string, a little-endian header length, a Python
 * dict literal padded so the data starts on a 64-byte boundary, then the raw array.
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { endianness } from 'node:os';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]); // \x93NUMPY v1.0

function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1; // + 1 for the closing newline
  const padded = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(padded - unpadded) + '\n';
  const length = Buffer.alloc(2);
  length.writeUInt16LE(text.length);
  return Buffer.concat([MAGIC, length, Buffer.from(text, 'latin1')]);
}

/** An int32 array of shape rows × cols, C order: the header, then the counts as they are. */
export function encodeNpyInt32(counts: Int32Array, rows: number, cols: number): Buffer[] {
  let data = Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength);
  if (endianness() === 'BE') data = Buffer.from(data).swap32();
  return [npyHeader('<i4', [rows, cols]), data];
}

/** A float32 array of shape rows × cols, C order (the continuous counts μ of `--smooth`). */
export function encodeNpyFloat32(values: Float32Array, rows: number, cols: number): Buffer[] {
  let data = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (endianness() === 'BE') data = Buffer.from(data).swap32();
  return [npyHeader('<f4', [rows, cols]), data];
}

/** Reads back what encodeNpyInt32 writes (and any C-order little-endian int32 .npy). */
export function decodeNpyInt32(file: Buffer): { rows: number; cols: number; counts: Int32Array } {
  const { rows, cols, data } = decodeNpy(file, '<i4');
  return { rows, cols, counts: new Int32Array(data.buffer) };
}

/** Reads back what encodeNpyFloat32 writes (and any C-order little-endian float32 .npy). */
export function decodeNpyFloat32(file: Buffer): { rows: number; cols: number; values: Float32Array } {
  const { rows, cols, data } = decodeNpy(file, '<f4');
  return { rows, cols, values: new Float32Array(data.buffer) };
}

/** A 2-D C-order .npy of 4-byte elements of type `descr`: its shape and its data, copied aligned. */
function decodeNpy(file: Buffer, descr: string): { rows: number; cols: number; data: Uint8Array } {
  if (!file.subarray(0, 6).equals(MAGIC.subarray(0, 6))) throw new Error('not a .npy file');
  const headerLength = file[6] === 1 ? file.readUInt16LE(8) : file.readUInt32LE(8);
  const dataStart = (file[6] === 1 ? 10 : 12) + headerLength;
  const header = file.subarray(file[6] === 1 ? 10 : 12, dataStart).toString('latin1');
  if (!header.includes(`'descr': '${descr}'`) || !header.includes("'fortran_order': False"))
    throw new Error(`unsupported .npy header: ${header}`);
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape) throw new Error(`not a 2-D .npy array: ${header}`);
  const rows = Number(shape[1]);
  const cols = Number(shape[2]);
  // A fresh, aligned copy: the file's bytes may start at any offset of a pooled buffer.
  const data = new Uint8Array(rows * cols * 4);
  data.set(file.subarray(dataStart, dataStart + data.length));
  return { rows, cols, data };
}
