export { formatRange, parseRange } from '../core/ranges.js';
