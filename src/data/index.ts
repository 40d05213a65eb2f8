// Datasets and batch sampling for training (see docs/training.md).
export type { Batch, ImageDataset } from './dataset.js';
export {
  FASHION_MNIST_LABELS,
  FASHION_MNIST_ROOT,
  type FashionMnistOptions,
  loadFashionMnist,
} from './fashionMnist.js';
export { type ImageFolderOptions, loadImageFolder } from './imageFolder.js';
export { type ImageArrays, InMemoryImageDataset, takeFirst } from './memory.js';
export { BatchSampler, type BatchSamplerOptions, type BatchSamplerState } from './sampler.js';
