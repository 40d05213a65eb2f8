// Model-facing types with no imports at all, so the studio's browser app (no node types) shares them
// with the library and the server: a bundle's architecture, provenance and layer table, noise modes.

export type Architecture = 'stylegan2' | 'stylegan3' | 'dcgan';

/** Where a model came from: the file it was imported from, or the training run that made it. */
export interface Provenance {
  /** 'nvidia-pkl' | 'rosinality-pt' | 'dcgan-pth' | 'latentlab-train' | 'random-init'. */
  format: string;
  /** Source file name (no directories) or a description. */
  source: string;
  /** sha256 of the source file, when imported. */
  sourceSha256?: string;
  /** Which network of a multi-network file (G_ema, g_ema, G...). */
  network?: string;
  /** ISO time of import or of the checkpoint. */
  created: string;
  /** Training facts for models trained here (command, kimg, seconds, metrics). */
  training?: Record<string, unknown>;
}

export interface LayerRow {
  name: string;
  /** StyleGAN3: 'input' (Fourier features) and 'conv' / 'torgb' for its SynthesisLayers. */
  kind: 'conv' | 'torgb' | 'input';
  /**
   * StyleGAN2: the block resolution. StyleGAN3: twice the layer's cutoff frequency, rounded (the image
   * resolution its frequency band corresponds to), so coarse/middle/fine ranges mean the same thing.
   */
  resolution: number;
  wsIndex: number;
}

/** Synthesis noise: the stored noise_const buffers, fresh random maps, or none. */
export type NoiseMode = 'const' | 'random' | 'none';
