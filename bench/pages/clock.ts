/**
 * The shared tab of the share bench: at every animation frame it paints the
 * wall-clock time of that frame as pixel blocks (bench/lib/frame-code.ts) along
 * the top, and moves a box below it so the encoder has motion to work on, as
 * in a shared video. Bundled by esbuild and served by bench/lib/web.ts.
 */
import { clockValue, DEFAULT_LAYOUT, paintStrip, STRIP_BLOCKS } from '../lib/frame-code';

const canvas = document.getElementById('c') as HTMLCanvasElement;
const context = canvas.getContext('2d')!;
let frames = 0;
let boxX = 0;

function background(width: number, height: number): void {
  for (let i = 0; i < 16; i++) {
    context.fillStyle = `hsl(${i * 22} 60% 40%)`;
    context.fillRect((i * width) / 16, 0, width / 16 + 1, height);
  }
}

function draw(frameTime: number): void {
  if (canvas.width !== innerWidth || canvas.height !== innerHeight) {
    canvas.width = innerWidth;
    canvas.height = innerHeight;
    background(canvas.width, canvas.height);
  }
  const { width, height } = canvas;
  const top = DEFAULT_LAYOUT.top + DEFAULT_LAYOUT.block + 16;
  const size = Math.round((height - top) / 3);
  // Repaint where the box was, then draw it further on.
  context.save();
  context.beginPath();
  context.rect(boxX - 1, top + size - 1, size + 2, size + 2);
  context.clip();
  background(width, height);
  context.restore();
  boxX = (frames * 12) % Math.max(1, width - size);
  context.fillStyle = '#f0f0f0';
  context.fillRect(boxX, top + size, size, size);
  // The clock: when this frame began, on the clock every page of this machine shares.
  paintStrip(
    (x, y, w, h, white) => {
      context.fillStyle = white ? '#ffffff' : '#000000';
      context.fillRect(x, y, w, h);
    },
    clockValue(performance.timeOrigin + frameTime),
    DEFAULT_LAYOUT,
  );
  frames++;
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);

/** What the bench reads: the page's size in CSS px (the receiver scales the row by it) and frames painted. */
export const clockPage = {
  viewport: () => ({ width: innerWidth, height: innerHeight }),
  frames: () => frames,
  stripWidth: () => STRIP_BLOCKS * DEFAULT_LAYOUT.block,
};
export type ClockPage = typeof clockPage;
Object.assign(globalThis, { clockPage });
