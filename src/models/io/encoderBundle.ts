import { float32ToHalf, Tensor } from '../../core/tensor.js';
import { readTensorBundle, writeTensorBundle } from '../../formats/tensorBundle.js';
import { Encoder, type EncoderManifest } from '../encoder/encoder.js';
import { hashTensors } from '../manifest.js';

export const ENCODER_FORMAT = 'latentlab-encoder';

/** The manifest's content hash for float32 weights. */
export function encoderHash(tensors: ReadonlyMap<string, Tensor>): string {
  return hashTensors({ E: tensors });
}

/** Rounds weights through float16 (what a float16 bundle stores), so the hash matches after a reload. */
export function roundToHalf(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return new Map(
    [...tensors].map(([k, t]) => [k, new Tensor('float16', t.shape, float32ToHalf(t.toFloat32().data)).toFloat32()]),
  );
}

/**
 * Writes an encoder bundle folder: model.json + weights.safetensors (float32, or float16 halving the
 * size), both via temporaries and renames. The content hash is over the float32 values a reader gets.
 */
export async function writeEncoderBundle(
  dir: string,
  e: Encoder,
  opts: { dtype?: 'float32' | 'float16' } = {},
): Promise<EncoderManifest> {
  const dtype = opts.dtype ?? 'float32';
  const values = dtype === 'float16' ? roundToHalf(e.tensors) : new Map(e.tensors);
  const stored =
    dtype === 'float16'
      ? new Map([...values].map(([k, t]) => [k, new Tensor('float16', t.shape, float32ToHalf(t.toFloat32().data))]))
      : values;
  const manifest: EncoderManifest = { ...e.manifest, contentHash: encoderHash(values), weightsDtype: dtype };
  await writeTensorBundle(dir, manifest, stored);
  return manifest;
}

/** Reads an encoder bundle, upcasting float16, and checks the weights against the manifest's hash. */
export async function readEncoderBundle(dir: string): Promise<Encoder> {
  const { manifest, tensors } = await readTensorBundle<EncoderManifest>(dir, ENCODER_FORMAT, 'encoder', encoderHash);
  return new Encoder(manifest, tensors);
}
