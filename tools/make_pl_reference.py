#!/usr/bin/env python3
"""Writes the path-length regularisation reference for fixture A (../shared/fixtures/A_nvidia_sg2ada_uncond32):
NVIDIA's own StyleGAN2Loss.accumulate_gradients(phase='Greg') on the fixture's training network G, imported
from a NVlabs/stylegan2-ada-pytorch checkout at run time (nothing of it is copied here).

Made deterministic without touching the loss code's arithmetic:
  - latents: the fixture's z.npy (the Greg phase takes its first batch // pl_batch_shrink rows), c empty;
  - style_mixing_prob = 0 (so run_G draws no second latent);
  - synthesis noise: the stored noise_const buffers (G_synthesis wrapped to pass noise_mode='const',
    force_fp32=True; on the CPU the fp16 blocks would run in float32 anyway);
  - the image-space probe randn_like(gen_img): the fixture's R.npy rows (torch.randn_like is swapped for
    the call, and only that call draws from it once mixing is off);
  - pl_mean before the call: PL_MEAN_BEFORE (non-zero, so its EMA update is exercised);
  - pl_weight 2, pl_batch_shrink 2, pl_decay 0.01 (StyleGAN2Loss defaults), gain = G_reg_interval = 4
    (training_loop.py passes the phase interval as the gain).
Output (--out, default test/train/pl_reference/fixtureA.json): per-sample pl_penalty (training_stats'
report), pl_mean after, and for every G parameter its gradient's sum of squares, its dot products with two
fixed directions d1[i] = sin(0.37·i + 1), d2[i] = cos(1.3·i) over the flattened tensor, and for tensors of
at most 64 elements the gradient itself. (The whole gradient is 0.7 MB; these fingerprints are 20 kB and
any wrong element moves them.)

    /usr/bin/python3 tools/make_pl_reference.py --nvidia /work/peer/NVlabs+stylegan2-ada-pytorch \\
        --fixture ../shared/fixtures/A_nvidia_sg2ada_uncond32 [--out test/train/pl_reference/fixtureA.json]
Checked by test/train/pathLength.nvidia.test.ts.
"""
import argparse
import json
import math
import os
import re
import sys

os.environ['CUDA_VISIBLE_DEVICES'] = ''
import numpy as np  # noqa: E402

PL_MEAN_BEFORE = 0.8
PL = dict(pl_weight=2.0, pl_batch_shrink=2, pl_decay=0.01)
GAIN = 4


def fingerprint(g):
    flat = g.detach().double().reshape(-1).numpy()
    i = np.arange(flat.size, dtype=np.float64)
    out = dict(shape=list(g.shape), sumsq=float((flat * flat).sum()), dot1=float((flat * np.sin(0.37 * i + 1)).sum()),
               dot2=float((flat * np.cos(1.3 * i)).sum()))
    if flat.size <= 64:
        out['values'] = [float(v) for v in flat]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nvidia', required=True)
    ap.add_argument('--fixture', required=True)
    ap.add_argument('--out', default='test/train/pl_reference/fixtureA.json')
    a = ap.parse_args()
    root = os.path.abspath(a.nvidia)
    sys.path.insert(0, root)
    import torch
    from torch_utils import persistence, training_stats
    import legacy
    from training import loss as loss_module

    @persistence.import_hook
    def _restore_source(meta):
        m = re.match(r'# source omitted \((.+)\)', meta.module_src or '')
        if m:
            with open(os.path.join(root, m.group(1)), encoding='utf-8-sig') as f:
                meta.module_src = f.read()
        return meta

    torch.set_num_threads(1)
    with open(os.path.join(a.fixture, 'network-snapshot-000000.pkl'), 'rb') as f:
        G = legacy.load_network_pkl(f)['G']
    G = G.train().requires_grad_(True)
    z = torch.from_numpy(np.load(os.path.join(a.fixture, 'z.npy')))
    R = torch.from_numpy(np.load(os.path.join(a.fixture, 'R.npy')))

    class ConstNoiseSynthesis(torch.nn.Module):
        def __init__(self, synthesis):
            super().__init__()
            self.synthesis = synthesis

        def forward(self, ws):
            return self.synthesis(ws, noise_mode='const', force_fp32=True)

    loss = loss_module.StyleGAN2Loss(device=torch.device('cpu'), G_mapping=G.mapping,
                                     G_synthesis=ConstNoiseSynthesis(G.synthesis), D=None,
                                     style_mixing_prob=0, r1_gamma=0, **PL)
    loss.pl_mean.fill_(PL_MEAN_BEFORE)
    reported = {}
    real_report = training_stats.report

    def capture(name, value):
        reported[name] = value.detach().clone()
        return real_report(name, value)

    n = z.shape[0] // PL['pl_batch_shrink']
    real_randn_like = torch.randn_like
    try:
        training_stats.report = capture
        loss_module.training_stats.report = capture
        torch.randn_like = lambda x, *args, **kw: R[:n].clone().to(x.dtype)
        for p in G.parameters():
            p.grad = None
        loss.accumulate_gradients(phase='Greg', real_img=None, real_c=None, gen_z=z,
                                  gen_c=torch.zeros([z.shape[0], 0]), sync=False, gain=GAIN)
    finally:
        torch.randn_like = real_randn_like
        training_stats.report = real_report
        loss_module.training_stats.report = real_report

    grads = {name: fingerprint(p.grad if p.grad is not None else torch.zeros_like(p))
             for name, p in G.named_parameters()}
    out = dict(
        description=('stylegan2-ada-pytorch StyleGAN2Loss.accumulate_gradients(phase="Greg") on fixture A\'s G; see '
                     'tools/make_pl_reference.py for how it was made deterministic'),
        torch=torch.__version__,
        settings=dict(**PL, gain=GAIN, pl_mean_before=PL_MEAN_BEFORE, batch=int(z.shape[0]), rows=n,
                      latents='z.npy rows 0..rows-1', probe='R.npy rows 0..rows-1 (unit normal; divided by '
                      'sqrt(H*W) in the loss)', noise='noise_const', mixing=0),
        pl_penalty=[float(v) for v in reported['Loss/pl_penalty'].reshape(-1)],
        pl_mean_after=float(loss.pl_mean),
        grads=grads,
    )
    assert all(math.isfinite(v['sumsq']) for v in grads.values())
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, 'w') as f:
        json.dump(out, f, indent=1)
    print(f'wrote {a.out}: pl_penalty {out["pl_penalty"]}, pl_mean {out["pl_mean_after"]:.6f}, {len(grads)} grads')


if __name__ == '__main__':
    main()
