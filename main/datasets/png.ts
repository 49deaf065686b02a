/**
 * PNG files of one channel, read and written byte by byte: masks (8-bit palette or grey, whose
 * pixel values are class indices) and depth maps (16-bit grey). sharp would hand a palette image
 * back as its colours and quantise one it writes, losing the indices; it also cannot be told to
 * keep a 16-bit grey PNG's values exactly as stored.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

/** One channel's samples, row by row: bytes for 8-bit, big-endian pairs read into numbers for 16. */
export type SingleChannelPng = {
  readonly width: number;
  readonly height: number;
} & (
  | {
      readonly bitDepth: 8;
      /** 0 grey, 3 palette. */ readonly colour: 0 | 3;
      readonly values: Uint8Array;
    }
  | { readonly bitDepth: 16; readonly colour: 0; readonly values: Uint16Array }
);

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Undoes PNG's per-row filters; `bpp` bytes per pixel, `rowBytes` bytes per row. */
function unfilter(data: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  const stride = rowBytes + 1;
  if (data.length < stride * height) throw new Error('its image data is cut short');
  for (let y = 0; y < height; y++) {
    const filter = data[y * stride]!;
    const row = y * rowBytes;
    const up = row - rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const raw = data[y * stride + 1 + x]!;
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[up + x]! : 0;
      const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`row ${y + 1} has an unknown filter ${filter}`);
      out[row + x] = (raw + predicted) & 0xff;
    }
  }
  return out;
}

/**
 * The samples of an 8-bit palette or grey PNG, or a 16-bit grey one, not interlaced; undefined
 * for any other file (not a PNG, colour, fewer bits), which a caller may hand to sharp. A PNG of
 * those kinds that is damaged throws.
 */
export function decodeSingleChannelPng(bytes: Uint8Array): SingleChannelPng | undefined {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header = { width: 0, height: 0, depth: 0, colour: -1, interlace: 0 };
  const chunks: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: view.getUint32(at + 8),
        height: view.getUint32(at + 12),
        depth: body[8]!,
        colour: body[9]!,
        interlace: body[12]!,
      };
    } else if (type === 'IDAT') chunks.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const { width, height, depth, colour, interlace } = header;
  const supported =
    (depth === 8 && (colour === 0 || colour === 3)) || (depth === 16 && colour === 0);
  if (!supported || interlace !== 0) return undefined;
  const bpp = depth / 8;
  const data = unfilter(inflateSync(Buffer.concat(chunks)), width * bpp, height, bpp);
  if (depth === 8) return { width, height, bitDepth: 8, colour: colour as 0 | 3, values: data };
  const values = new Uint16Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = (data[2 * i]! << 8) | data[2 * i + 1]!;
  return { width, height, bitDepth: 16, colour: 0, values };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * Pascal VOC's colour map: class c's colour spreads c's bits over the high bits of red, green
 * and blue, so neighbouring classes look far apart; 255 (ignored) comes out a pale cream.
 */
export function vocPalette(): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (let c = 0; c < 256; c++) {
    let [r, g, b, id] = [0, 0, 0, c];
    for (let shift = 7; shift >= 0; shift--) {
      r |= (id & 1) << shift;
      g |= ((id >> 1) & 1) << shift;
      b |= ((id >> 2) & 1) << shift;
      id >>= 3;
    }
    palette.set([r, g, b], c * 3);
  }
  return palette;
}

/**
 * A PNG of one channel: an 8-bit palette image of class indices (VOC's colours unless a palette
 * is given), an 8-bit grey one, or a 16-bit grey one. Each row is filtered with `filter` (0 none,
 * 1 sub, 2 up): the writer needs none, tests use the others to exercise the reader.
 */
export function encodeSingleChannelPng(
  png: SingleChannelPng,
  options: { readonly palette?: Uint8Array; readonly filter?: 0 | 1 | 2 } = {},
): Uint8Array {
  const { width, height, bitDepth, colour, values } = png;
  const filter = options.filter ?? 0;
  const bpp = bitDepth / 8;
  const rowBytes = width * bpp;
  const bytes = new Uint8Array(rowBytes * height);
  for (let i = 0; i < width * height; i++) {
    const v = values[i] ?? 0;
    if (bpp === 1) bytes[i] = v;
    else bytes.set([v >> 8, v & 0xff], 2 * i);
  }
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = filter;
    for (let x = 0; x < rowBytes; x++) {
      const at = y * rowBytes + x;
      const predicted =
        filter === 1 && x >= bpp
          ? bytes[at - bpp]!
          : filter === 2 && y > 0
            ? bytes[at - rowBytes]!
            : 0;
      raw[y * (rowBytes + 1) + 1 + x] = (bytes[at]! - predicted) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([bitDepth, colour, 0, 0, 0], 8);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from(SIGNATURE),
      chunk('IHDR', header),
      ...(colour === 3 ? [chunk('PLTE', options.palette ?? vocPalette())] : []),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}
