/**
 * A clock painted as pixel blocks, for glass-to-glass latency of a tab share:
 * the shared page paints the current wall-clock time (ms modulo 2^24) as a row
 * of black and white blocks; the receiver reads the row back from each decoded
 * video frame and subtracts. Sender and receiver run on one machine, so both
 * read the same clock (`performance.timeOrigin + performance.now()`).
 *
 * Row layout, left to right: a white and a black reference block (the decoder
 * thresholds halfway between them, so encoder gain and colour shifts do not
 * matter), 24 value bits (most significant first), then a CRC-8 of the value,
 * so that a frame caught mid-change or smeared by the encoder is rejected
 * rather than misread. Pure functions: used by the page, the viewer probe and
 * the unit tests alike.
 */

/** Bits of the painted value: wall-clock ms modulo 2^24, which wraps every 4.66 hours. */
export const CLOCK_BITS = 24;
/** Bits of the CRC-8 that guards the value. */
export const CHECK_BITS = 8;
/** Blocks in the row: two references, the value, its check. */
export const STRIP_BLOCKS = 2 + CLOCK_BITS + CHECK_BITS;

const CLOCK_MODULUS = 2 ** CLOCK_BITS;

/** Where the row is painted in the shared page, in CSS pixels from its top-left corner. */
export interface StripLayout {
  left: number;
  top: number;
  /** Side of one square block, in CSS pixels. */
  block: number;
}

/**
 * 32 px blocks (1088 x 32 px in all) survive the encoder down to a quarter of a
 * 1280 px wide tab: at 320 px the decoder still averages a 4 x 4 px core per block.
 */
export const DEFAULT_LAYOUT: StripLayout = { left: 0, top: 0, block: 32 };

/** The value to paint for wall-clock time `wallMs` (ms since the Unix epoch): whole ms modulo 2^24. */
export function clockValue(wallMs: number): number {
  return ((Math.floor(wallMs) % CLOCK_MODULUS) + CLOCK_MODULUS) % CLOCK_MODULUS;
}

/** How old a painted `value` is at wall-clock time `nowMs`, in ms (correct for ages under 4.66 hours). */
export function clockAge(nowMs: number, value: number): number {
  return (((clockValue(nowMs) - value) % CLOCK_MODULUS) + CLOCK_MODULUS) % CLOCK_MODULUS;
}

/** CRC-8 with polynomial 0x07 (CRC-8/SMBUS, init 0) over `bytes`. */
export function crc8(bytes: readonly number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function valueBytes(value: number): number[] {
  return [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/**
 * The blocks for `value` (0 to 2^24 - 1), left to right; `true` is white.
 * @throws RangeError for a value out of range.
 */
export function stripBits(value: number): boolean[] {
  if (!Number.isInteger(value) || value < 0 || value >= CLOCK_MODULUS) throw new RangeError(`clock value out of range: ${value}`);
  const bits = [true, false];
  for (let i = CLOCK_BITS - 1; i >= 0; i--) bits.push(((value >>> i) & 1) === 1);
  const check = crc8(valueBytes(value));
  for (let i = CHECK_BITS - 1; i >= 0; i--) bits.push(((check >>> i) & 1) === 1);
  return bits;
}

/** The value carried by a row of blocks, or `undefined` when the references or the check do not hold. */
export function bitsToValue(bits: readonly boolean[]): number | undefined {
  if (bits.length !== STRIP_BLOCKS || bits[0] !== true || bits[1] !== false) return undefined;
  let value = 0;
  for (let i = 0; i < CLOCK_BITS; i++) value = value * 2 + (bits[2 + i] ? 1 : 0);
  let check = 0;
  for (let i = 0; i < CHECK_BITS; i++) check = check * 2 + (bits[2 + CLOCK_BITS + i] ? 1 : 0);
  return crc8(valueBytes(value)) === check ? value : undefined;
}

/** Paints the row for `value` with `fill` (a canvas `fillRect` in white or black), in CSS pixels. */
export function paintStrip(
  fill: (x: number, y: number, width: number, height: number, white: boolean) => void,
  value: number,
  layout: StripLayout = DEFAULT_LAYOUT,
): void {
  stripBits(value).forEach((white, i) => fill(layout.left + i * layout.block, layout.top, layout.block, layout.block, white));
}

/** RGBA pixels, as `ImageData` has them (4 bytes a pixel, rows top to bottom). */
export interface Rgba {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** Least difference in luma (0 to 255) between the white and black reference blocks for a row to be read. */
export const MIN_CONTRAST = 64;

/**
 * Reads the row from `image`, a frame (or its top part) whose pixels are the
 * page's CSS pixels times `scale` (frame width / page viewport width).
 * Each block is read as the mean luma (BT.601) of its central half.
 * @returns the blocks, or `undefined` when the row is off the image or has too little contrast.
 */
export function readStrip(image: Rgba, scale: number, layout: StripLayout = DEFAULT_LAYOUT): boolean[] | undefined {
  const lumas: number[] = [];
  for (let i = 0; i < STRIP_BLOCKS; i++) {
    const x0 = Math.floor((layout.left + (i + 0.25) * layout.block) * scale);
    const x1 = Math.max(x0 + 1, Math.ceil((layout.left + (i + 0.75) * layout.block) * scale));
    const y0 = Math.floor((layout.top + 0.25 * layout.block) * scale);
    const y1 = Math.max(y0 + 1, Math.ceil((layout.top + 0.75 * layout.block) * scale));
    if (x1 > image.width || y1 > image.height) return undefined;
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const at = (y * image.width + x) * 4;
        sum += 0.299 * image.data[at]! + 0.587 * image.data[at + 1]! + 0.114 * image.data[at + 2]!;
      }
    }
    lumas.push(sum / ((x1 - x0) * (y1 - y0)));
  }
  const white = lumas[0]!;
  const black = lumas[1]!;
  if (white - black < MIN_CONTRAST) return undefined;
  const threshold = (white + black) / 2;
  return lumas.map((luma) => luma > threshold);
}

/** The clock value painted in `image` (see {@link readStrip}), or `undefined` when it cannot be read. */
export function decodeClock(image: Rgba, scale: number, layout: StripLayout = DEFAULT_LAYOUT): number | undefined {
  const bits = readStrip(image, scale, layout);
  return bits ? bitsToValue(bits) : undefined;
}
