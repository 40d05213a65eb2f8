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

/** What NVIDIA's init kwargs say that weights cannot: conv_clamp, mapping lr multiplier. */
export function generatorHints(initKwargs: Kwargs): Partial<GeneratorConfig> {
  const synth = sub(initKwargs, 'synthesis_kwargs');
  const mapping = sub(initKwargs, 'mapping_kwargs');
  const clamp = synth.conv_clamp;
  return {
    convClamp: typeof clamp === 'number' ? clamp : null,
    mappingLrMultiplier: num(mapping.lr_multiplier) ?? 0.01,
  };
}

export function discriminatorHints(initKwargs: Kwargs): Partial<DiscriminatorConfig> {
  const epilogue = sub(initKwargs, 'epilogue_kwargs');
  const clamp = initKwargs.conv_clamp;
  return {
    convClamp: typeof clamp === 'number' ? clamp : null,
    mbstdGroupSize: num(epilogue.mbstd_group_size) ?? 4,
  };
}
