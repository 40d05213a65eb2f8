#!/usr/bin/env python3
"""Writes two full-size StyleGAN2 checkpoints with random weights, built by the authors' own code,
to check that `latentlab import` / `info` handle real sizes within the default read budget:

  nvidia-stylegan2-1024-config-f.pkl   NVIDIA stylegan2-ada-pytorch training snapshot (~360 MB):
                                       {training_set_kwargs, G, D, G_ema, augment_pipe}, config F
                                       at 1024x1024 (train.py --cfg=stylegan2), pickled as
                                       training_loop.py pickles a snapshot.
  rosinality-stylegan2-1024.pt         rosinality stylegan2-pytorch train.py checkpoint (~830 MB):
                                       {g, d, g_ema, g_optim, d_optim, args, ada_aug_p}, size 1024,
                                       channel_multiplier 2, Adam state after one step.

Usage (Debian's torch; the classes are imported from the checkouts, nothing of them is copied):
  /usr/bin/python3 tools/make_real_size_checkpoints.py \
      --nvidia /path/to/stylegan2-ada-pytorch --rosinality /path/to/stylegan2-pytorch --out DIR
Either checkout may be omitted to write only the other file. Without a rosinality checkout,
--rosinality-shapes writes the same train.py structure (model.py's keys and shapes as plain state
dicts, Adam states after one step, the argparse Namespace) from a table of shapes.
"""

import argparse
import copy
import os
import pickle
import sys
import time


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def make_nvidia(checkout, out_path, seed):
    import torch

    sys.path.insert(0, checkout)
    import dnnlib  # noqa: E402  (from the checkout)

    torch.manual_seed(seed)
    # train.py --cfg=stylegan2 (config F) for a 1024x1024 RGB, unconditional data set
    common = dict(c_dim=0, img_resolution=1024, img_channels=3)
    G_kwargs = dict(
        class_name='training.networks.Generator',
        z_dim=512,
        w_dim=512,
        mapping_kwargs=dict(num_layers=8),
        synthesis_kwargs=dict(channel_base=32768, channel_max=512, num_fp16_res=4, conv_clamp=256),
    )
    D_kwargs = dict(
        class_name='training.networks.Discriminator',
        block_kwargs=dict(),
        mapping_kwargs=dict(),
        epilogue_kwargs=dict(mbstd_group_size=4),
        channel_base=32768,
        channel_max=512,
        num_fp16_res=4,
        conv_clamp=256,
    )
    # train.py's default augmentation pipeline ('bgc')
    augment_kwargs = dict(
        class_name='training.augment.AugmentPipe',
        xflip=1, rotate90=1, xint=1, scale=1, rotate=1, aniso=1, xfrac=1,
        brightness=1, contrast=1, lumaflip=1, hue=1, saturation=1,
    )
    training_set_kwargs = dict(
        class_name='training.dataset.ImageFolderDataset',
        path='datasets/ffhq1024.zip',
        use_labels=False,
        max_size=70000,
        xflip=True,
        resolution=1024,
    )
    log('NVIDIA: constructing G, D, augment_pipe')
    G = dnnlib.util.construct_class_by_name(**G_kwargs, **common).train().requires_grad_(False)
    D = dnnlib.util.construct_class_by_name(**D_kwargs, **common).train().requires_grad_(False)
    G_ema = copy.deepcopy(G).eval()
    augment_pipe = dnnlib.util.construct_class_by_name(**augment_kwargs).train().requires_grad_(False)
    augment_pipe.p.copy_(torch.as_tensor(0.2))
    # the snapshot step of training_loop.py
    snapshot_data = dict(training_set_kwargs=dict(training_set_kwargs))
    for name, module in [('G', G), ('D', D), ('G_ema', G_ema), ('augment_pipe', augment_pipe)]:
        snapshot_data[name] = copy.deepcopy(module).eval().requires_grad_(False).cpu()
    n = {k: sum(p.numel() for p in m.parameters()) for k, m in snapshot_data.items() if k != 'training_set_kwargs'}
    log(f'NVIDIA: parameters {n}; pickling to {out_path}')
    with open(out_path, 'wb') as f:
        pickle.dump(snapshot_data, f)
    log(f'NVIDIA: {os.path.getsize(out_path) / 2**20:.1f} MiB')


class _UnbuiltExtension:
    """Stands in for rosinality's CUDA extensions (never built here); their CPU code paths do not use it."""

    def __init__(self, name):
        self.name = name

    def __getattr__(self, attr):
        raise RuntimeError(f'CUDA extension {self.name} was not built ({attr})')


def _train_args():
    """train.py's defaults for a 1024 run, as its argparse Namespace (saved in the checkpoint)."""
    return argparse.Namespace(
        path='lmdb/ffhq1024', arch='stylegan2', iter=800000, batch=16, n_sample=64, size=1024, r1=10,
        path_regularize=2, path_batch_shrink=2, d_reg_every=16, g_reg_every=4, mixing=0.9, ckpt=None,
        lr=0.002, channel_multiplier=2, wandb=False, local_rank=0, augment=False, augment_p=0,
        ada_target=0.6, ada_length=500000, ada_every=256, latent=512, n_mlp=8, start_iter=0,
        distributed=False,
    )


def make_rosinality(checkout, out_path, seed):
    import torch
    import torch.utils.cpp_extension as cpp_extension
    from torch import optim

    # rosinality's op/ builds its CUDA kernels at import time; keep the import, skip the build
    cpp_extension.load = lambda name, *a, **k: _UnbuiltExtension(name)
    sys.path.insert(0, checkout)
    from model import Discriminator, Generator  # noqa: E402  (from the checkout)

    torch.manual_seed(seed)
    args = _train_args()
    log('rosinality: constructing generator, discriminator, g_ema')
    generator = Generator(args.size, args.latent, args.n_mlp, channel_multiplier=args.channel_multiplier)
    discriminator = Discriminator(args.size, channel_multiplier=args.channel_multiplier)
    g_ema = Generator(args.size, args.latent, args.n_mlp, channel_multiplier=args.channel_multiplier)
    g_ema.eval()
    g_ema.load_state_dict(generator.state_dict())  # train.py: accumulate(g_ema, generator, 0)
    g_reg_ratio = args.g_reg_every / (args.g_reg_every + 1)
    d_reg_ratio = args.d_reg_every / (args.d_reg_every + 1)
    g_optim = optim.Adam(generator.parameters(), lr=args.lr * g_reg_ratio, betas=(0 ** g_reg_ratio, 0.99 ** g_reg_ratio))
    d_optim = optim.Adam(discriminator.parameters(), lr=args.lr * d_reg_ratio, betas=(0 ** d_reg_ratio, 0.99 ** d_reg_ratio))
    # one Adam step on random gradients, so the optimizer state holds exp_avg / exp_avg_sq as after training
    for net, opt in [(generator, g_optim), (discriminator, d_optim)]:
        for p in net.parameters():
            p.grad = torch.randn_like(p) * 1e-3
        opt.step()
        opt.zero_grad(set_to_none=True)
    log(f'rosinality: saving to {out_path}')
    torch.save(
        {
            'g': generator.state_dict(),
            'd': discriminator.state_dict(),
            'g_ema': g_ema.state_dict(),
            'g_optim': g_optim.state_dict(),
            'd_optim': d_optim.state_dict(),
            'args': args,
            'ada_aug_p': 0.0,
        },
        out_path,
    )
    log(f'rosinality: {os.path.getsize(out_path) / 2**20:.1f} MiB')


def _rosinality_shapes(size=1024, style_dim=512, n_mlp=8, channel_multiplier=2):
    """(generator, discriminator) parameter and buffer shapes of rosinality's model.py, by key, in the
    order state_dict() lists them; buffers (blur kernels, noise maps) are flagged False."""
    cm = channel_multiplier
    ch = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm, 512: 32 * cm, 1024: 16 * cm}
    log_size = size.bit_length() - 1
    g = []
    for i in range(1, n_mlp + 1):
        g += [(f'style.{i}.weight', (style_dim, style_dim), True), (f'style.{i}.bias', (style_dim,), True)]

    def styled(prefix, cin, cout, up):
        out = [(f'{prefix}.conv.weight', (1, cout, cin, 3, 3), True)]
        if up:
            out.append((f'{prefix}.conv.blur.kernel', (4, 4), False))
        out += [(f'{prefix}.conv.modulation.weight', (cin, style_dim), True), (f'{prefix}.conv.modulation.bias', (cin,), True),
                (f'{prefix}.noise.weight', (1,), True), (f'{prefix}.activate.bias', (cout,), True)]
        return out

    def to_rgb(prefix, cin, up):
        out = [(f'{prefix}.bias', (1, 3, 1, 1), True)]
        if up:
            out.append((f'{prefix}.upsample.kernel', (4, 4), False))
        return out + [(f'{prefix}.conv.weight', (1, 3, cin, 1, 1), True), (f'{prefix}.conv.modulation.weight', (cin, style_dim), True),
                      (f'{prefix}.conv.modulation.bias', (cin,), True)]

    g.append(('input.input', (1, ch[4], 4, 4), True))
    g += styled('conv1', ch[4], ch[4], False) + to_rgb('to_rgb1', ch[4], False)
    convs, rgbs, cin = [], [], ch[4]
    for k, i in enumerate(range(3, log_size + 1)):
        cout = ch[2 ** i]
        convs += styled(f'convs.{2 * k}', cin, cout, True) + styled(f'convs.{2 * k + 1}', cout, cout, False)
        rgbs += to_rgb(f'to_rgbs.{k}', cout, True)
        cin = cout
    g += convs + rgbs
    for layer in range((log_size - 2) * 2 + 1):
        r = 2 ** ((layer + 5) // 2)
        g.append((f'noises.noise_{layer}', (1, 1, r, r), False))
    d = [('convs.0.0.weight', (ch[size], 3, 1, 1), True), ('convs.0.1.bias', (ch[size],), True)]
    cin = ch[size]
    for n, i in enumerate(range(log_size, 2, -1), start=1):
        cout = ch[2 ** (i - 1)]
        d += [(f'convs.{n}.conv1.0.weight', (cin, cin, 3, 3), True), (f'convs.{n}.conv1.1.bias', (cin,), True),
              (f'convs.{n}.conv2.0.kernel', (4, 4), False), (f'convs.{n}.conv2.1.weight', (cout, cin, 3, 3), True),
              (f'convs.{n}.conv2.2.bias', (cout,), True), (f'convs.{n}.skip.0.kernel', (4, 4), False),
              (f'convs.{n}.skip.1.weight', (cout, cin, 1, 1), True)]
        cin = cout
    d += [('final_conv.0.weight', (ch[4], cin + 1, 3, 3), True), ('final_conv.1.bias', (ch[4],), True),
          ('final_linear.0.weight', (ch[4], ch[4] * 16), True), ('final_linear.0.bias', (ch[4],), True),
          ('final_linear.1.weight', (1, ch[4]), True), ('final_linear.1.bias', (1,), True)]
    return g, d


def make_rosinality_shapes(out_path, seed):
    """Without the checkout: the same train.py checkpoint structure (g, d, g_ema state dicts with
    model.py's keys and shapes, Adam states after one step, the argparse Namespace), random values."""
    import torch
    from torch import optim

    torch.manual_seed(seed)
    g_shapes, d_shapes = _rosinality_shapes()

    def state(shapes):
        sd = {}
        for key, shape, _ in shapes:
            if key.endswith('kernel'):
                k = torch.tensor([1.0, 3.0, 3.0, 1.0])
                # make_kernel([1, 3, 3, 1]), times factor² = 4 where it upsamples (G), plain in D's downsampling
                sd[key] = (k[None, :] * k[:, None]) / 64 * (4 if '.upsample.' in key or '.blur.' in key else 1)
            else:
                sd[key] = torch.randn(shape)
        return sd

    g, d = state(g_shapes), state(d_shapes)
    g_ema = {k: v.clone() for k, v in g.items()}
    args = _train_args()
    optims = []
    for sd, shapes, every in [(g, g_shapes, args.g_reg_every), (d, d_shapes, args.d_reg_every)]:
        params = [torch.nn.Parameter(sd[k]) for k, _, trainable in shapes if trainable]
        ratio = every / (every + 1)
        opt = optim.Adam(params, lr=args.lr * ratio, betas=(0 ** ratio, 0.99 ** ratio))
        for p in params:
            p.grad = torch.randn_like(p) * 1e-3
        opt.step()
        optims.append(opt.state_dict())
        for k, _, trainable in shapes:
            if trainable:
                sd[k] = sd[k].detach()
    log(f'rosinality (shapes only): saving to {out_path}')
    torch.save({'g': g, 'd': d, 'g_ema': g_ema, 'g_optim': optims[0], 'd_optim': optims[1], 'args': args, 'ada_aug_p': 0.0}, out_path)
    log(f'rosinality (shapes only): {os.path.getsize(out_path) / 2**20:.1f} MiB')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nvidia', help='checkout of NVlabs/stylegan2-ada-pytorch')
    ap.add_argument('--rosinality', help='checkout of rosinality/stylegan2-pytorch')
    ap.add_argument('--rosinality-shapes', action='store_true',
                    help="without a checkout: model.py's keys and shapes as plain state dicts (same file layout)")
    ap.add_argument('--out', required=True, help='folder for the two files')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    if not a.nvidia and not a.rosinality and not a.rosinality_shapes:
        ap.error('give --nvidia and/or --rosinality (or --rosinality-shapes)')
    os.makedirs(a.out, exist_ok=True)
    if a.nvidia:
        make_nvidia(os.path.abspath(a.nvidia), os.path.join(a.out, 'nvidia-stylegan2-1024-config-f.pkl'), a.seed)
    if a.rosinality:
        make_rosinality(os.path.abspath(a.rosinality), os.path.join(a.out, 'rosinality-stylegan2-1024.pt'), a.seed)
    elif a.rosinality_shapes:
        make_rosinality_shapes(os.path.join(a.out, 'rosinality-stylegan2-1024.pt'), a.seed)


if __name__ == '__main__':
    main()
