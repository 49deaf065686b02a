/**
 * Draws assets/icon.png (512×512, RGBA): the product's accent blue, a rounded square with a
 * shared trunk branching into two task heads, the app's idea in one mark. A real PNG written with
 * zlib alone, so the icon can be redrawn without an image editor: `npm run icon`.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const ACCENT = [0x35, 0x63, 0xe9] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

/** Coverage of a pixel by a shape, 4×4 supersampled so the edges are smooth. */
function coverage(x: number, y: number, inside: (px: number, py: number) => boolean): number {
  let hits = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) if (inside(x + (i + 0.5) / 4, y + (j + 0.5) / 4)) hits++;
  return hits / 16;
}

const roundedSquare = (px: number, py: number) => {
  const margin = 24;
  const radius = 96;
  const lo = margin + radius;
  const hi = SIZE - margin - radius;
  const dx = Math.max(lo - px, 0, px - hi);
  const dy = Math.max(lo - py, 0, py - hi);
  return (
    px >= margin &&
    px <= SIZE - margin &&
    py >= margin &&
    py <= SIZE - margin &&
    dx * dx + dy * dy <= radius * radius
  );
};

const circle = (cx: number, cy: number, r: number) => (px: number, py: number) =>
  (px - cx) ** 2 + (py - cy) ** 2 <= r * r;

/** A line segment of width `w` from (ax, ay) to (bx, by). */
const segment =
  (ax: number, ay: number, bx: number, by: number, w: number) => (px: number, py: number) => {
    const vx = bx - ax;
    const vy = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)));
    return (px - ax - t * vx) ** 2 + (py - ay - t * vy) ** 2 <= (w / 2) ** 2;
  };

// The trunk (input → shared layer) and two heads.
const mark = [
  circle(256, 120, 44),
  segment(256, 120, 256, 260, 36),
  circle(256, 260, 40),
  segment(256, 260, 150, 390, 36),
  segment(256, 260, 362, 390, 36),
  circle(150, 390, 48),
  circle(362, 390, 48),
];
const onMark = (px: number, py: number) => mark.some((shape) => shape(px, py));

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    const bg = coverage(x, y, roundedSquare);
    const fg = bg > 0 ? coverage(x, y, onMark) : 0;
    const o = y * (SIZE * 4 + 1) + 1 + x * 4;
    for (let c = 0; c < 3; c++) raw[o + c] = Math.round(ACCENT[c]! * (1 - fg) + WHITE[c]! * fg);
    raw[o + 3] = Math.round(bg * 255);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (data: Buffer) => {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../assets/icon.png', import.meta.url), png);
process.stdout.write(`assets/icon.png: ${SIZE}×${SIZE}, ${png.length} bytes\n`);
