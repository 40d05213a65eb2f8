import { parseRange } from '../../../core/ranges.js';

/** The CLI's seed-range parser ('0-7,42' -> [0..7, 42]), bounded to what one page shows. */
export function parseSeeds(text: string, max = 64): number[] {
  return parseRange(text, 'seeds', max);
}
