import { describe, expect, it } from 'vitest';
import {
  bitsToValue,
  clockAge,
  clockValue,
  crc8,
  decodeClock,
  DEFAULT_LAYOUT,
  paintStrip,
  readStrip,
  STRIP_BLOCKS,
  stripBits,
  type StripLayout,
} from '../../bench/lib/frame-code';

/** A grey RGBA image of a page `width` x `height` CSS px seen at `scale`, with the row for `value` painted. */
function frame(value: number, scale: number, options: { width?: number; height?: number; noise?: number; layout?: StripLayout; seed?: number } = {}) {
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const width = Math.round((options.width ?? 1280) * scale);
  const height = Math.round((options.height ?? 100) * scale);
  const data = new Uint8ClampedArray(width * height * 4).fill(128);
  paintStrip(
    (x, y, w, h, white) => {
      // Like an encoder's output: not pure black and white, and blurred by scaling at the edges.
      const level = white ? 225 : 30;
      for (let py = Math.round(y * scale); py < Math.round((y + h) * scale); py++) {
        for (let px = Math.round(x * scale); px < Math.round((x + w) * scale); px++) {
          const at = (py * width + px) * 4;
          data[at] = level;
          data[at + 1] = level;
          data[at + 2] = level;
        }
      }
    },
    value,
    layout,
  );
  let seed = options.seed ?? 1;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const noise = options.noise ?? 0;
  if (noise > 0) for (let i = 0; i < data.length; i++) if (i % 4 !== 3) data[i] = data[i]! + Math.round((random() * 2 - 1) * noise);
  return { width, height, data };
}

describe('bench frame clock', () => {
  it('maps wall-clock ms to 24 bits and measures ages across the wrap', () => {
    expect(clockValue(0)).toBe(0);
    expect(clockValue(2 ** 24 + 5.9)).toBe(5);
    expect(clockAge(1_000_250, clockValue(1_000_000))).toBe(250);
    // Painted just before the wrap, read just after it.
    expect(clockAge(2 ** 24 + 10, clockValue(2 ** 24 - 30))).toBe(40);
  });

  it('computes CRC-8/SMBUS', () => {
    // Check value of CRC-8/SMBUS for the ASCII string "123456789".
    expect(crc8([...'123456789'].map((c) => c.charCodeAt(0)))).toBe(0xf4);
  });

  it('round-trips values through the blocks', () => {
    for (const value of [0, 1, 0xabcdef, 2 ** 24 - 1, clockValue(Date.now())]) {
      const bits = stripBits(value);
      expect(bits).toHaveLength(STRIP_BLOCKS);
      expect(bitsToValue(bits)).toBe(value);
    }
    expect(() => stripBits(2 ** 24)).toThrow(RangeError);
  });

  it('rejects a row with one flipped bit or broken references', () => {
    const bits = stripBits(0x123456);
    for (let i = 0; i < STRIP_BLOCKS; i++) {
      const flipped = [...bits];
      flipped[i] = !flipped[i];
      expect(bitsToValue(flipped)).toBeUndefined();
    }
  });

  it('decodes a painted frame at full size, scaled down, and with noise', () => {
    const value = 0x5a3c96;
    expect(decodeClock(frame(value, 1), 1)).toBe(value);
    expect(decodeClock(frame(value, 0.5), 0.5)).toBe(value);
    // 1280 -> 474 px: an odd scale, where block edges fall between pixels.
    expect(decodeClock(frame(value, 474 / 1280), 474 / 1280)).toBe(value);
    expect(decodeClock(frame(value, 0.75, { noise: 40 }), 0.75)).toBe(value);
  });

  it('finds the row where the layout says it is', () => {
    const layout: StripLayout = { left: 40, top: 20, block: 24 };
    expect(decodeClock(frame(77, 1, { layout }), 1, layout)).toBe(77);
    expect(decodeClock(frame(77, 1, { layout }), 1)).toBeUndefined();
  });

  it('reads nothing from a flat picture or a row cut off by the frame', () => {
    const flat = { width: 1280, height: 64, data: new Uint8ClampedArray(1280 * 64 * 4).fill(90) };
    expect(readStrip(flat, 1)).toBeUndefined();
    expect(decodeClock(frame(5, 1, { width: 600 }), 1)).toBeUndefined();
  });
});
