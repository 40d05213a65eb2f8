import type { ProgramCase } from './engine.js';

export function variantCases(): ProgramCase[] {
  return [];
}
