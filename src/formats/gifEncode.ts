import { ArgumentError } from '../core/errors.js';
import type { RgbImage } from './image.js';

/**
 * A GIF89a encoder in plain TypeScript: one global 256-colour palette, LZW-compressed frames, the
 * NETSCAPE2.0 loop block. Grayscale frames (1 channel, or RGB with r = g = b everywhere) use a 256-gray
 * palette and are lossless. Colour frames use a fixed 6x7x6 colour cube plus 4 grays (so every frame
 * shares one palette and nothing flickers between frames), optionally with 4x4 ordered dithering.
 */
export interface GifOptions {
  /** Frame delay in milliseconds (GIF stores centiseconds; default 100). */
  delayMs?: number;
  /** Loop forever (default), or false to play once. */
  loop?: boolean;
  /** Ordered (Bayer 4x4) dithering for colour frames (default false). */
  dither?: boolean;
}

const R_LEVELS = 6;
const G_LEVELS = 7;
const B_LEVELS = 6;
const CUBE = R_LEVELS * G_LEVELS * B_LEVELS; // 252
const EXTRA_GRAYS = [32, 96, 160, 224];
const BAYER4 = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5];

const level = (i: number, levels: number) => Math.round((i * 255) / (levels - 1));

/** The colour palette: [256 * 3] RGB. */
export function colourPalette(): Uint8Array {
  const p = new Uint8Array(256 * 3);
  for (let r = 0; r < R_LEVELS; r++) {
    for (let g = 0; g < G_LEVELS; g++) {
      for (let b = 0; b < B_LEVELS; b++) {
        const i = (r * G_LEVELS + g) * B_LEVELS + b;
        p.set([level(r, R_LEVELS), level(g, G_LEVELS), level(b, B_LEVELS)], i * 3);
      }
    }
  }
  EXTRA_GRAYS.forEach((v, k) => p.set([v, v, v], (CUBE + k) * 3));
  return p;
}

function grayPalette(): Uint8Array {
  const p = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) p.set([v, v, v], v * 3);
  return p;
}

/** Nearest cube level of an 8-bit value, after an optional dither offset in (-0.5, 0.5) steps. */
function quantize(v: number, levels: number, offset: number): number {
  const x = Math.round((v * (levels - 1)) / 255 + offset);
  return x < 0 ? 0 : x >= levels ? levels - 1 : x;
}

/** Palette index of one RGB pixel (x, y pick the dither threshold). */
export function colourIndex(r: number, g: number, b: number, x: number, y: number, dither: boolean): number {
  const offset = dither ? (BAYER4[(y & 3) * 4 + (x & 3)] + 0.5) / 16 - 0.5 : 0;
  const qr = quantize(r, R_LEVELS, offset);
  const qg = quantize(g, G_LEVELS, offset);
  const qb = quantize(b, B_LEVELS, offset);
  const cube = (qr * G_LEVELS + qg) * B_LEVELS + qb;
  if (dither || r !== g || g !== b) return cube;
  // an exact gray: the extra grays may be closer than the cube's grays
  let best = cube;
  let err = Math.abs(level(qr, R_LEVELS) - r) + Math.abs(level(qg, G_LEVELS) - g) + Math.abs(level(qb, B_LEVELS) - b);
  EXTRA_GRAYS.forEach((v, k) => {
    if (3 * Math.abs(v - r) < err) {
      err = 3 * Math.abs(v - r);
      best = CUBE + k;
    }
  });
  return best;
}

function isGray(img: RgbImage): boolean {
  if (img.channels === 1) return true;
  const c = img.channels;
  for (let p = 0; p < img.width * img.height; p++) {
    const d = img.data;
    if (d[p * c] !== d[p * c + 1] || d[p * c + 1] !== d[p * c + 2]) return false;
  }
  return true;
}

function indexFrame(img: RgbImage, gray: boolean, dither: boolean): Uint8Array {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      out[p] = gray ? data[p * c] : colourIndex(data[p * c], data[p * c + 1], data[p * c + 2], x, y, dither);
    }
  }
  return out;
}

/** Variable-width LZW as GIF wants it (LSB-first codes, clear at 4096 entries), in 255-byte sub-blocks. */
export function lzwEncode(indices: Uint8Array, minCodeSize = 8): Uint8Array {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  let codeSize = minCodeSize + 1;
  const emit = (code: number) => {
    acc |= code << bits;
    bits += codeSize;
    while (bits >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  };
  // table[prefix * 256 + byte] = code + 1 (0 = absent)
  const table = new Uint16Array(4096 * 256);
  let next = eoi + 1;
  emit(clear);
  if (indices.length > 0) {
    let prefix = indices[0];
    for (let i = 1; i < indices.length; i++) {
      const k = indices[i];
      const key = prefix * 256 + k;
      const code = table[key];
      if (code) {
        prefix = code - 1;
        continue;
      }
      emit(prefix);
      if (next === 4096) {
        emit(clear);
        table.fill(0);
        next = eoi + 1;
        codeSize = minCodeSize + 1;
      } else {
        // The decoder widens its codes one entry later than we add them: widen when `next` no longer fits.
        if (next >= 1 << codeSize) codeSize++;
        table[key] = next + 1;
        next++;
      }
      prefix = k;
    }
    emit(prefix);
  }
  emit(eoi);
  if (bits > 0) bytes.push(acc & 0xff);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const n = Math.min(255, bytes.length - at);
    out.push(n);
    for (let i = 0; i < n; i++) out.push(bytes[at + i]);
  }
  out.push(0);
  return Uint8Array.from(out);
}

/** GIF89a bytes of `frames` (all the same size; 1, 3 or 4 channels, alpha ignored). */
export function encodeGif(frames: readonly RgbImage[], opts: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new ArgumentError('encodeGif: no frames');
  const { width: w, height: h } = frames[0];
  if (w < 1 || h < 1 || w > 65535 || h > 65535) throw new ArgumentError(`encodeGif: frame size ${w}x${h} is outside 1..65535`);
  frames.forEach((f, i) => {
    if (f.width !== w || f.height !== h) throw new ArgumentError(`encodeGif: frame ${i} is ${f.width}x${f.height}, frame 0 is ${w}x${h}`);
  });
  const gray = frames.every(isGray);
  const parts: Uint8Array[] = [];
  const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  parts.push(new TextEncoder().encode('GIF89a'));
  parts.push(Uint8Array.from([...u16(w), ...u16(h), 0xf7, 0, 0])); // global table of 2^(7+1) colours
  parts.push(gray ? grayPalette() : colourPalette());
  if (opts.loop ?? true) {
    parts.push(Uint8Array.from([0x21, 0xff, 0x0b, ...new TextEncoder().encode('NETSCAPE2.0'), 0x03, 0x01, 0, 0, 0]));
  }
  const delay = Math.max(0, Math.round((opts.delayMs ?? 100) / 10));
  for (const f of frames) {
    parts.push(Uint8Array.from([0x21, 0xf9, 0x04, 0x04, ...u16(delay), 0, 0])); // disposal: leave in place
    parts.push(Uint8Array.from([0x2c, 0, 0, 0, 0, ...u16(w), ...u16(h), 0, 8]));
    parts.push(lzwEncode(indexFrame(f, gray, opts.dither ?? false)));
  }
  parts.push(Uint8Array.from([0x3b]));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
