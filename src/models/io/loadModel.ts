import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CheckpointError, LatentlabError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { inferDcganDiscriminator, inferDcganGenerator } from '../dcgan/config.js';
import { GanModel } from '../ganModel.js';
import { type BundleManifest, dcganDims, hashTensors, type Provenance, stylegan2Dims, stylegan3Dims } from '../manifest.js';
import { resolveSg3, type Sg3GeneratorConfig } from '../stylegan3/config.js';
import { checkSg3ModuleAttrs, checkSg3Weights, isStylegan3StateDict, sg3ConfigFromNvidia } from '../stylegan3/fromNvidia.js';
import { type GeneratorConfig, inferGeneratorConfig } from '../stylegan2/config.js';
import { type DiscriminatorConfig, inferDiscriminatorConfig } from '../stylegan2/discriminator.js';
import { discriminatorHints, generatorHints } from '../stylegan2/fromNvidia.js';
import { Weights } from '../../nn/weights.js';
import { MANIFEST_FILE, readBundle } from './bundle.js';
import { DeferredTensorMap } from './deferredTensors.js';
import { nonFiniteEntries } from '../../formats/nonFinite.js';
import { nvidiaFamily, readNvidiaPickle } from '../../formats/nvidiaPickle.js';
import { PyDict, type PyValue } from '../../formats/pyValue.js';
import { stateDictFrom } from '../../formats/stateDict.js';
import { type ByteSource, type FileSource, memorySource, openFileSource } from '../../formats/byteSource.js';
import { readTorchFile } from '../../formats/torch.js';

export interface LoadOptions {
  /** Load weights holding NaN or Inf instead of refusing them (for debugging a diverged run). */
  allowNonFinite?: boolean;
  /** Network to read from a multi-network file: NVIDIA 'G_ema' (default) or 'G'. */
  network?: string;
  /** Model name for the manifest (default: the file name). */
  name?: string;
  /** DCGAN: the netD state dict to load beside netG. */
  discriminator?: string;
}

/** SHA-256 of a file, streamed (a large checkpoint is not held in memory to hash it). */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sourceInfo(path: string, bytes: Uint8Array | null, format: string, network?: string): Promise<Provenance> {
  return {
    format,
    source: basename(path),
    sourceSha256: bytes ? createHash('sha256').update(bytes).digest('hex') : await fileSha256(path),
    network,
    created: new Date().toISOString(),
  };
}

function manifestFor(
  name: string,
  provenance: Provenance,
  architecture: BundleManifest['architecture'],
  generator: BundleManifest['generator'],
  discriminator: BundleManifest['discriminator'],
  g: ReadonlyMap<string, Tensor>,
  d: ReadonlyMap<string, Tensor> | undefined,
): BundleManifest {
  const dims =
    architecture === 'stylegan2'
      ? stylegan2Dims(generator as GeneratorConfig)
      : architecture === 'stylegan3'
        ? stylegan3Dims(generator as Sg3GeneratorConfig)
        : dcganDims(generator as never);
  return {
    format: 'latentlab-bundle',
    version: 1,
    name,
    architecture,
    generator,
    discriminator,
    ...dims,
    provenance,
    contentHash: hashTensors({ G: g, D: d }),
    weightsDtype: 'float32',
  };
}

/** Errors from parsing the bytes themselves (not from refusing a global or a budget). */
const PARSE_ERROR = /pickle: |not a torch checkpoint|not a zip archive|corrupt zip|truncated|expected a snapshot dict|no persistent networks/;

/** Reads the file's bytes; a parse failure says what the file was expected to be. */
function parseAs<T>(path: string, expected: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof LatentlabError) || !PARSE_ERROR.test(err.message)) throw err;
    const detail = err.message.startsWith(`${path}`) ? err.message.slice(path.length).replace(/^[^ ]*: /, '') : err.message;
    throw new CheckpointError(path, `not a ${expected}: ${detail}`);
  }
}

const EXPECTED_PKL = 'PyTorch/NVIDIA checkpoint (a stylegan2-ada-pytorch / stylegan3 network pickle or a torch.save file)';
const EXPECTED_PT = 'PyTorch checkpoint (torch.save .pt/.pth: rosinality StyleGAN2 or DCGAN)';

async function fromNvidiaPickle(path: string, bytes: Uint8Array, opts: LoadOptions): Promise<GanModel> {
  const snap = parseAs(path, EXPECTED_PKL, () => readNvidiaPickle(bytes, { file: path }));
  const network = opts.network ?? (snap.networks.has('G_ema') ? 'G_ema' : 'G');
  const g = snap.networks.get(network);
  if (!g) throw new CheckpointError(path, `no network '${network}' (found: ${[...snap.networks.keys()].join(', ')})`);
  const gw = new Weights(g.stateDict, 'constant', path);
  // NVlabs/stylegan3 generators (SynthesisInput + SynthesisLayer modules, or their state dict keys).
  const sg3 = nvidiaFamily(g).family === 'stylegan3' || isStylegan3StateDict(g.stateDict.keys());
  let generator: GeneratorConfig | Sg3GeneratorConfig;
  if (sg3) {
    // NVlabs/stylegan3 (T or R): the layer table is derived from the config, then checked against
    // every layer's weights and the attributes NVIDIA's constructors stored in the pickle.
    generator = sg3ConfigFromNvidia(g, gw);
    const resolved = resolveSg3(generator);
    checkSg3Weights(resolved, gw);
    checkSg3ModuleAttrs(resolved, g, path);
  } else generator = inferGeneratorConfig(gw, generatorHints(g.initKwargs, g.modules));
  const dNet = snap.networks.get('D');
  let discriminator: DiscriminatorConfig | undefined;
  if (dNet) discriminator = inferDiscriminatorConfig(new Weights(dNet.stateDict, 'constant', path), discriminatorHints(dNet.initKwargs, dNet.modules));
  const name = opts.name ?? basename(path, extname(path));
  const provenance = await sourceInfo(path, bytes, 'nvidia-pkl', network);
  const arch = sg3 ? 'stylegan3' : 'stylegan2';
  return new GanModel(manifestFor(name, provenance, arch, generator, discriminator, g.stateDict, dNet?.stateDict), g.stateDict, dNet?.stateDict);
}

/**
 * A torch.save file, read from `source` with lazy tensors: only the tensors the model uses are
 * copied out (a rosinality training checkpoint's d, g and Adam states are never materialised).
 */
async function fromTorchFile(path: string, source: ByteSource, opts: LoadOptions): Promise<GanModel> {
  const value: PyValue = parseAs(path, EXPECTED_PT, () => readTorchFile(source, { file: path, lazyTensors: true }));
  const name = opts.name ?? basename(path, extname(path));
  if (value instanceof PyDict && (value.has('g_ema') || value.has('g'))) {
    const { fromRosinality } = await import('../stylegan2/fromRosinality.js');
    const network = opts.network ?? (value.has('g_ema') ? 'g_ema' : 'g');
    if (network !== 'g_ema' && network !== 'g') throw new CheckpointError(path, `--network must be g_ema or g for rosinality checkpoints, got '${network}'`);
    const conv = fromRosinality(value, path, { key: network as 'g_ema' | 'g' });
    const gw = new Weights(conv.stateDict, 'constant', path);
    const generator = inferGeneratorConfig(gw, conv.hints);
    const provenance = await sourceInfo(path, source.whole ?? null, 'rosinality-pt', network);
    return new GanModel(manifestFor(name, provenance, 'stylegan2', generator, undefined, conv.stateDict, undefined), conv.stateDict);
  }
  const sd = stateDictFrom(value, path);
  if (!sd.has('main.0.weight')) {
    throw new CheckpointError(path, 'unrecognised checkpoint: not an NVIDIA pickle, a rosinality checkpoint (g_ema) or a DCGAN state dict (main.0.weight)');
  }
  const gw = new Weights(sd, 'constant', path);
  if (sd.has('main.1.running_mean') === false && !sd.has('main.1.weight')) {
    // netD's main.1 is a LeakyReLU (no parameters); netG's main.1 is a BatchNorm.
    throw new CheckpointError(path, 'this is a DCGAN discriminator (netD); pass the generator (netG) and --discriminator for netD');
  }
  const generator = inferDcganGenerator(gw);
  let d: Map<string, Tensor> | undefined;
  let discriminator: BundleManifest['discriminator'];
  if (opts.discriminator) {
    const dBytes = await readFile(opts.discriminator);
    d = stateDictFrom(readTorchFile(dBytes, { file: opts.discriminator }), opts.discriminator);
    discriminator = inferDcganDiscriminator(new Weights(d, 'constant', opts.discriminator));
  }
  const provenance = await sourceInfo(path, source.whole ?? null, 'dcgan-pth');
  return new GanModel(manifestFor(name, provenance, 'dcgan', generator, discriminator, sd, d), sd, d);
}

/**
 * Loads a model from a bundle folder or any importable file: NVIDIA stylegan2-ada-pytorch / stylegan3 `.pkl`
 * (G_ema by default), rosinality `.pt` (g_ema), pytorch/examples DCGAN `.pth`. Nothing in a file is
 * executed: pickles go through an allow-listed VM.
 */
export async function loadModel(path: string, opts: LoadOptions = {}): Promise<GanModel> {
  const model = await loadAny(path, opts);
  if (!opts.allowNonFinite) {
    for (const [group, tensors] of [['G', model.g], ['D', model.d]] as const) {
      if (!tensors) continue;
      // A bundle's deferred discriminator was checked while readBundle streamed it.
      const bad = tensors instanceof DeferredTensorMap && !tensors.loaded ? tensors.nonFinite : nonFiniteEntries(tensors);
      if (bad.length) {
        const { name, report } = bad[0];
        const what = `${report.nan} NaN, ${report.posInf + report.negInf} Inf`;
        throw new CheckpointError(path, `${group} tensor '${name}' holds non-finite values (${what}; ${bad.length} tensor(s) affected); pass allowNonFinite to load anyway`);
      }
    }
  }
  return model;
}

async function loadAny(path: string, opts: LoadOptions): Promise<GanModel> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new CheckpointError(path, 'no such file or folder');
  }
  if (info.isDirectory()) {
    try {
      await stat(join(path, MANIFEST_FILE));
    } catch {
      throw new CheckpointError(path, `a folder but not a bundle (no ${MANIFEST_FILE})`);
    }
    return readBundle(path);
  }
  if (extname(path).toLowerCase() === '.pkl') {
    const bytes = await readFile(path);
    const isZip = bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b;
    if (!isZip) return fromNvidiaPickle(path, bytes, opts);
    try {
      return await fromNvidiaPickle(path, bytes, opts);
    } catch {
      return fromTorchFile(path, memorySource(bytes), opts);
    }
  }
  // .pt/.pth: read through the file, record by record, instead of holding all of it.
  let source: FileSource;
  try {
    source = openFileSource(path);
  } catch (err) {
    throw new CheckpointError(path, `cannot read the file: ${(err as Error).message}`);
  }
  try {
    return await fromTorchFile(path, source, opts);
  } finally {
    source.close();
  }
}
