import { encodePng, makeGrid, type Tensor, toImages, upscale } from '../../index.js';

/** Generator output -> one PNG: a row-major grid of `columns`, each image upscaled `scale` times (views with no CLI file). */
export async function gridPng(images: Tensor, columns: number, scale: number): Promise<Buffer> {
  const tiles = toImages(images).map((im) => upscale(im, scale));
  return encodePng(makeGrid(tiles, columns, 0));
}
