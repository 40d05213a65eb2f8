import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clearSessionCache } from '../../src/runtime/compile.js';
import { FIXTURES } from '../fixtures.js';
import { describeSg3Reference, referenceCases } from './sg3References.js';

// StyleGAN3 configurations beyond the shared fixtures (conditional, other resolutions and mapping depths,
// one channel, clamps that act, ...), with references computed by NVIDIA's stylegan3 code through
// tools/make_sg3_references.py. Cases come from:
// - test/models/sg3_references/ (a small committed set, always run);
// - LATENTLAB_SG3_REFERENCES, a folder the tool wrote (opt-in: every case in it);
// - any other stylegan3 case in the fixtures folder besides F_nvidia_sg3_t32/r32 (which
//   stylegan3.nvidia.test.ts checks), so held-back cases in that layout run by being put there.
const COMMITTED = fileURLToPath(new URL('./sg3_references/', import.meta.url));
const committed = referenceCases(COMMITTED);
const generated = referenceCases(process.env.LATENTLAB_SG3_REFERENCES);
const extraFixtures = referenceCases(FIXTURES, ['F_nvidia_sg3_t32', 'F_nvidia_sg3_r32']);

describe('StyleGAN3 reference cases', () => {
  it('the committed set is present', () => {
    expect(committed.length).toBeGreaterThan(0);
  });
  it.runIf(Boolean(process.env.LATENTLAB_SG3_REFERENCES))('LATENTLAB_SG3_REFERENCES holds cases', () => {
    expect(generated.length, `no stylegan3 case folders under ${process.env.LATENTLAB_SG3_REFERENCES}`).toBeGreaterThan(0);
  });
});

for (const dir of [...committed, ...generated, ...extraFixtures]) describeSg3Reference(dir);

afterAll(clearSessionCache);
