import { expect } from 'vitest';
import type { Sg3Layer } from '../../src/models/stylegan3/config.js';

/**
 * One row of a StyleGAN3 case's `manifest.layer_table` (fixtures F_nvidia_sg3_* and
 * tools/make_sg3_references.py): NVIDIA's per-layer values, the input row first (channels, size,
 * sampling_rate, bandwidth), then one row per synthesis layer.
 */
export interface Sg3LayerTableRow {
  layer: string;
  ws_index: number;
  channels?: number;
  size?: number[];
  sampling_rate?: number;
  bandwidth?: number;
  in_channels?: number;
  out_channels?: number;
  in_size?: number[];
  out_size?: number[];
  up_factor?: number;
  down_factor?: number;
  up_taps?: number;
  down_taps?: number;
  down_radial?: boolean;
  filtered_lrelu_padding_x0_x1_y0_y1?: number[];
  in_sampling_rate?: number;
  out_cutoff?: number;
  out_half_width?: number;
  conv_clamp?: number | null;
}

/**
 * Each synthesis layer's channels, sizes, resampling factors and taps, radial flag and padding equal its row
 * of NVIDIA's table (rows without the input row); its input sampling rate to 12 decimals, its output cutoff
 * and half-width to 10.
 */
export function expectLayersMatchTable(layers: readonly Sg3Layer[], rows: readonly Sg3LayerTableRow[]): void {
  for (const [i, l] of layers.entries()) {
    const r = rows[i];
    expect({ in: l.inChannels, out: l.outChannels, size: [l.inSize, l.outSize], fac: [l.upFactor, l.downFactor, l.upTaps, l.downTaps], radial: l.downRadial, pad: l.padding }).toEqual({
      in: r.in_channels,
      out: r.out_channels,
      size: [r.in_size![0], r.out_size![0]],
      fac: [r.up_factor, r.down_factor, r.up_taps, r.down_taps],
      radial: r.down_radial,
      pad: r.filtered_lrelu_padding_x0_x1_y0_y1,
    });
    expect(l.inSamplingRate).toBeCloseTo(r.in_sampling_rate!, 12);
    expect(l.outCutoff).toBeCloseTo(r.out_cutoff!, 10);
    expect(l.outHalfWidth).toBeCloseTo(r.out_half_width!, 10);
  }
}
