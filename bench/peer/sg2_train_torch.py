"""NVIDIA's StyleGAN2 training step on PyTorch at the shipped fmnist-stylegan2 config, the peer of
bench/training.ts's `sg2.fmnist` case (driven by `npm run bench:peer`; never run by the tests).

Imports from a NVlabs/stylegan2-ada-pytorch checkout (nothing of it is copied here):
  training.networks.Generator / Discriminator with train.py's arguments for our shipped config
      (32x32x1, z = w = 128, 2 mapping layers, channel_base 1024, channel_max 128, conv_clamp 256,
      fp32 everywhere, D resnet with minibatch-std group 4, G skip);
  training.loss.StyleGAN2Loss (non-saturating logistic loss, style mixing 0.9, R1 gamma 0.01,
      path-length regularisation off), its accumulate_gradients per phase.
The per-step phase loop is training_loop.py's, restated: G in one phase (no lazy G regularisation,
as our trainer), D in Dmain every step and Dreg every 16th with Adam(lr, betas) scaled by
mb_ratio = 16/17, gain = the phase interval; grads nan_to_num'ed, Adam steps, then the G EMA
(ema_kimg = batch·10/32, ramp-up 0.05). Reals are a fixed random batch in [-1, 1] (the step's
cost does not depend on them). CPU, CUDA hidden: upfirdn2d / bias_act / conv2d run their reference
code, as every CPU user of this code gets.

    /usr/bin/python3 bench/peer/sg2_train_torch.py --nvidia DIR [--threads 2] [--batch 32] [--steps 32]
    /usr/bin/python3 bench/peer/sg2_train_torch.py --nvidia DIR --serve
        reads lines `steps N` from stdin, runs N training steps (the step counter carries on, so R1
        falls on every 16th step as in ours), or `step main` / `step r1` (one step without / with the
        lazy R1 phase: the counter is set first), answers one JSON line {seconds, cpu} with the wall and
        process-CPU seconds of each step.
"""
import argparse
import copy
import json
import sys

from torch_peer import timed_calls, use_nvidia_checkout  # first: hides CUDA before torch is imported


SHIPPED = dict(res=32, channels=1, z_dim=128, w_dim=128, mapping_layers=2, channel_base=1024, channel_max=128,
               conv_clamp=256, mbstd_group=4, r1_gamma=0.01, r1_interval=16, mixing=0.9, lr=0.0025,
               betas=(0.0, 0.99))


class NvidiaTrainer:
    """NVIDIA's networks and loss, stepped the way training_loop.py steps them."""

    def __init__(self, batch, cfg=SHIPPED, seed=0):
        import torch
        from training import networks
        from training.loss import StyleGAN2Loss
        torch.manual_seed(seed)
        self.torch, self.batch, self.cfg = torch, batch, cfg
        common = dict(c_dim=0, img_resolution=cfg['res'], img_channels=cfg['channels'])
        self.G = networks.Generator(
            z_dim=cfg['z_dim'], w_dim=cfg['w_dim'], mapping_kwargs=dict(num_layers=cfg['mapping_layers']),
            synthesis_kwargs=dict(channel_base=cfg['channel_base'], channel_max=cfg['channel_max'],
                                  num_fp16_res=0, conv_clamp=cfg['conv_clamp']),
            **common).train().requires_grad_(False)
        self.D = networks.Discriminator(
            channel_base=cfg['channel_base'], channel_max=cfg['channel_max'], num_fp16_res=0,
            conv_clamp=cfg['conv_clamp'], epilogue_kwargs=dict(mbstd_group_size=cfg['mbstd_group']),
            **common).train().requires_grad_(False)
        self.G_ema = copy.deepcopy(self.G).eval()
        self.loss = StyleGAN2Loss(device=torch.device('cpu'), G_mapping=self.G.mapping,
                                  G_synthesis=self.G.synthesis, D=self.D, style_mixing_prob=cfg['mixing'],
                                  r1_gamma=cfg['r1_gamma'], pl_weight=0)
        lr, b1, b2 = cfg['lr'], cfg['betas'][0], cfg['betas'][1]
        ratio = cfg['r1_interval'] / (cfg['r1_interval'] + 1)
        opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(b1, b2), eps=1e-8)
        opt_d = torch.optim.Adam(self.D.parameters(), lr=lr * ratio, betas=(b1 ** ratio, b2 ** ratio), eps=1e-8)
        # (name, module, optimiser, interval): training_loop's phases for G_reg_interval=None, D_reg_interval=16.
        self.phases = [('Gboth', self.G, opt_g, 1), ('Dmain', self.D, opt_d, 1),
                       ('Dreg', self.D, opt_d, cfg['r1_interval'])]
        self.reals = torch.rand(batch, cfg['channels'], cfg['res'], cfg['res']) * 2 - 1
        self.c = torch.zeros(batch, 0)
        self.step_idx = 0
        self.nimg = 0

    def step(self):
        torch = self.torch
        zs = torch.randn(len(self.phases) * self.batch, self.cfg['z_dim']).split(self.batch)
        for (name, module, opt, interval), z in zip(self.phases, zs):
            if self.step_idx % interval != 0:
                continue
            opt.zero_grad(set_to_none=True)
            module.requires_grad_(True)
            self.loss.accumulate_gradients(phase=name, real_img=self.reals, real_c=self.c, gen_z=z, gen_c=self.c,
                                           sync=True, gain=interval)
            module.requires_grad_(False)
            for p in module.parameters():
                if p.grad is not None:
                    torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
            opt.step()
        self.nimg += self.batch
        ema_nimg = min(self.batch * 10 / 32 * 1000, self.nimg * 0.05)
        beta = 0.5 ** (self.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.copy_(p.lerp(pe, beta))
            for be, b in zip(self.G_ema.buffers(), self.G.buffers()):
                be.copy_(b)
        self.step_idx += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nvidia', required=True, help='checkout of NVlabs/stylegan2-ada-pytorch')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--steps', type=int, default=32)
    ap.add_argument('--serve', action='store_true', help='answer `steps N` requests on stdin (see above)')
    a = ap.parse_args()
    use_nvidia_checkout(a.nvidia)
    import torch
    torch.set_num_threads(a.threads)
    trainer = NvidiaTrainer(a.batch)
    if a.serve:
        print(json.dumps(dict(ready=True, torch=torch.__version__, threads=torch.get_num_threads())), flush=True)
        for line in sys.stdin:
            parts = line.split()
            if len(parts) == 2 and parts[0] == 'step' and parts[1] in ('main', 'r1'):
                trainer.step_idx = 0 if parts[1] == 'r1' else 1
                wall, cpu = timed_calls(trainer.step, 1)
                print(json.dumps(dict(seconds=wall, cpu=cpu, step=trainer.step_idx)), flush=True)
            elif len(parts) == 2 and parts[0] == 'steps':
                wall, cpu = timed_calls(trainer.step, int(parts[1]))
                print(json.dumps(dict(seconds=wall, cpu=cpu, step=trainer.step_idx)), flush=True)
            elif parts:
                print(json.dumps(dict(error=f'unknown request {line.strip()}')), flush=True)
        return
    wall, cpu = timed_calls(trainer.step, a.steps)
    period = SHIPPED['r1_interval']
    periods = [sum(wall[i:i + period]) for i in range(0, len(wall) - period + 1, period)]
    print(f'torch {torch.__version__}, {a.threads} threads: {a.steps} steps, best R1 period {min(periods):.2f} s '
          f'= {a.batch * period / min(periods):.1f} img/s, CPU {sum(cpu) / len(cpu):.2f} s/step')


if __name__ == '__main__':
    main()
