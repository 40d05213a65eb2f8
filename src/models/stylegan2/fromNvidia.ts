import type { PlainValue } from '../../formats/pyValue.js';
import type { GeneratorConfig } from './config.js';
import type { DiscriminatorConfig } from './discriminator.js';

type Kwargs = Record<string, PlainValue>;

function sub(k: Kwargs, key: string): Kwargs {
  const v = k[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function num(v: PlainValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** A module's plain attributes, as NvidiaNetwork.modules lists them. */
export type ModuleAttrs = ReadonlyArray<{ path: string; attrs: Kwargs }>;

/**
 * The conv_clamp a layer module actually stored (`self.conv_clamp`), else undefined. The init kwargs
 * alone cannot tell it where they leave it out: the default is None in stylegan2-ada-pytorch's
 * networks.py but 256 in stylegan3's networks_stylegan2.py (whose train.py never passes it).
 */
export function storedConvClamp(modules: ModuleAttrs | undefined, path: string): number | null | undefined {
  const m = modules?.find((x) => x.path === path);
  if (!m || !Object.hasOwn(m.attrs, 'conv_clamp')) return undefined;
  const v = m.attrs.conv_clamp;
  return typeof v === 'number' ? v : null;
}

function kwargClamp(v: PlainValue | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

/** What NVIDIA's pickle says that weights cannot: conv_clamp, mapping lr multiplier. */
export function generatorHints(initKwargs: Kwargs, modules?: ModuleAttrs): Partial<GeneratorConfig> {
  const synth = sub(initKwargs, 'synthesis_kwargs');
  const mapping = sub(initKwargs, 'mapping_kwargs');
  // stylegan2-ada-pytorch nests conv_clamp in synthesis_kwargs; stylegan3's Generator takes it flat.
  const stored = storedConvClamp(modules, 'synthesis.b4.conv1');
  return {
    convClamp: stored !== undefined ? stored : kwargClamp(synth.conv_clamp ?? initKwargs.conv_clamp),
    mappingLrMultiplier: num(mapping.lr_multiplier) ?? 0.01,
  };
}

export function discriminatorHints(initKwargs: Kwargs, modules?: ModuleAttrs): Partial<DiscriminatorConfig> {
  const epilogue = sub(initKwargs, 'epilogue_kwargs');
  const stored = storedConvClamp(modules, 'b4.conv');
  return {
    convClamp: stored !== undefined ? stored : kwargClamp(initKwargs.conv_clamp),
    mbstdGroupSize: num(epilogue.mbstd_group_size) ?? 4,
  };
}
