// Draws the toolbar icons (two linked peers on a blue tile) as PNGs into public/icon/.
// Run by hand when the design changes: `node scripts/make-icons.mjs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// Shape in unit coordinates: 0 outside, 1 tile, 2 white mark.
function shape(u, v) {
  const r = 0.2;
  const dx = Math.max(r - u, 0, u - (1 - r));
  const dy = Math.max(r - v, 0, v - (1 - r));
  if (dx * dx + dy * dy > r * r) return 0;
  const a = [0.3, 0.68], b = [0.7, 0.32];
  const near = (p, rad) => (u - p[0]) ** 2 + (v - p[1]) ** 2 < rad * rad;
  if (near(a, 0.13) || near(b, 0.13)) return 2;
  const t = Math.max(0, Math.min(1, ((u - a[0]) * (b[0] - a[0]) + (v - a[1]) * (b[1] - a[1])) / ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2)));
  const px = a[0] + t * (b[0] - a[0]), py = a[1] + t * (b[1] - a[1]);
  if ((u - px) ** 2 + (v - py) ** 2 < 0.05 ** 2) return 2;
  return 1;
}

mkdirSync('public/icon', { recursive: true });
for (const size of [16, 32, 48, 128]) {
  const S = 4;
  const data = png(size, (x, y) => {
    let tile = 0, mark = 0;
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) {
      const s = shape((x + (i + 0.5) / S) / size, (y + (j + 0.5) / S) / size);
      if (s === 1) tile++;
      if (s === 2) mark++;
    }
    const cover = (tile + mark) / (S * S);
    const w = mark / Math.max(1, tile + mark);
    const mix = (c1, c2) => Math.round(c1 * (1 - w) + c2 * w);
    return [mix(0x24, 255), mix(0x58, 255), mix(0xd6, 255), Math.round(cover * 255)];
  });
  writeFileSync(`public/icon/${size}.png`, data);
}
console.log('icons written to public/icon/');
