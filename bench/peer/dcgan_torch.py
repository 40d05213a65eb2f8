"""PyTorch twin of latentlab's DCGAN training step, for `npm run bench:peer` (never run by the tests).

Builds pytorch/examples dcgan/main.py's netG/netD from the layer table of a latentlab DCGAN bundle's
model.json (32x32 drops one block of main.py's 64x64 stack; channels, kernels, BatchNorm and activations
are main.py's), and times main.py's training iteration: D on real + fake.detach() with BCELoss, Adam
step; G on D(fake) with real labels, Adam step (lr 2e-4, betas (0.5, 0.999)), train-mode BatchNorm.

    /usr/bin/python3 bench/peer/dcgan_torch.py --model models/fmnist-dcgan [--batch 64] [--threads 2]
        [--seconds 5] [--json out.json]

Prints images/s from the best single step (as tools/peer_bench.py does) and the median step; the JSON
also holds the median process CPU seconds per step (all threads).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def build(layers, transposed, last_act):
    mods = []
    for i, l in enumerate(layers):
        conv = nn.ConvTranspose2d if transposed else nn.Conv2d
        mods.append(conv(l['inChannels'], l['outChannels'], l['kernel'], l['stride'], l['padding'], bias=l['bias']))
        if l['batchNorm'] is not None:
            mods.append(nn.BatchNorm2d(l['outChannels']))
        if i < len(layers) - 1:
            mods.append(nn.ReLU(True) if transposed else nn.LeakyReLU(0.2, inplace=True))
        else:
            mods.append(last_act)
    return nn.Sequential(*mods)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='models/fmnist-dcgan')
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seconds', type=float, default=5.0)
    ap.add_argument('--json', default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(f'{args.model}/model.json') as f:
        manifest = json.load(f)
    g_cfg, d_cfg = manifest['generator'], manifest['discriminator']
    net_g = build(g_cfg['layers'], True, nn.Tanh())
    net_d = build(d_cfg['layers'], False, nn.Sigmoid())
    nz, res, nc, b = g_cfg['nz'], g_cfg['imageSize'], g_cfg['nc'], args.batch
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(b, nc, res, res) * 2 - 1

    def step():
        net_d.zero_grad()
        label = torch.full((b,), 1.0)
        err_d_real = criterion(net_d(real).view(-1), label)
        err_d_real.backward()
        noise = torch.randn(b, nz, 1, 1)
        fake = net_g(noise)
        label.fill_(0.0)
        err_d_fake = criterion(net_d(fake.detach()).view(-1), label)
        err_d_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        label.fill_(1.0)
        err_g = criterion(net_d(fake).view(-1), label)
        err_g.backward()
        opt_g.step()

    step(); step()
    times, cpu, t_end = [], [], time.perf_counter() + args.seconds
    while time.perf_counter() < t_end or len(times) < 3:
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best, med = b / min(times), b / statistics.median(times)
    print(f'torch {torch.__version__} dcgan train batch {b}: best {best:.1f} img/s, median {med:.1f} img/s ({len(times)} steps)',
          flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(torch=torch.__version__, threads=args.threads, batch=b, best=best, median=med,
                           steps=len(times), cpu_per_step=statistics.median(cpu)), f)


if __name__ == '__main__':
    main()
