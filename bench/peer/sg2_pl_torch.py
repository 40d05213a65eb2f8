"""NVIDIA's path-length regularisation phase (StyleGAN2Loss.accumulate_gradients(phase='Greg'), pl_weight 2,
pl_batch_shrink 2) at the shipped fmnist-stylegan2 config, timed per call: the peer of bench/pathLength.ts's
"Greg phase" figure. Networks and loss come from a NVlabs/stylegan2-ada-pytorch checkout, built as
sg2_train_torch.py builds them (nothing of NVIDIA's code is copied); the call is followed by nan_to_num and
the G Adam step, as training_loop.py does. CPU, CUDA hidden (reference upfirdn2d / bias_act).

    /usr/bin/python3 bench/peer/sg2_pl_torch.py --nvidia DIR [--threads 2] [--calls 5]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sg2_train_torch as peer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nvidia', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--calls', type=int, default=5)
    a = ap.parse_args()
    peer.stub_scipy()
    sys.path.insert(0, os.path.abspath(a.nvidia))
    import torch
    from training.loss import StyleGAN2Loss
    torch.set_num_threads(a.threads)
    t = peer.NvidiaTrainer(a.batch)
    loss = StyleGAN2Loss(device=torch.device('cpu'), G_mapping=t.G.mapping, G_synthesis=t.G.synthesis, D=t.D,
                         style_mixing_prob=peer.SHIPPED['mixing'], r1_gamma=peer.SHIPPED['r1_gamma'], pl_weight=2)
    ratio = 4 / 5
    opt = torch.optim.Adam(t.G.parameters(), lr=peer.SHIPPED['lr'] * ratio, betas=(0, 0.99 ** ratio), eps=1e-8)
    c = torch.zeros(a.batch, 0)
    wall, cpu = [], []
    for _ in range(a.calls + 1):
        z = torch.randn(a.batch, peer.SHIPPED['z_dim'])
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        t.G.requires_grad_(True)
        loss.accumulate_gradients(phase='Greg', real_img=t.reals, real_c=c, gen_z=z, gen_c=c, sync=True, gain=4)
        t.G.requires_grad_(False)
        for p in t.G.parameters():
            if p.grad is not None:
                torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
        opt.step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    wall, cpu = wall[1:], cpu[1:]  # the first call warms up
    cpu.sort()
    print(f'NVIDIA Greg phase (torch {torch.__version__}, {a.threads} threads, batch {a.batch} -> {a.batch // 2}): '
          f'best {min(wall) * 1000:.0f} ms, median CPU {cpu[len(cpu) // 2]:.2f} s over {a.calls} calls; '
          f'load average {" ".join(f"{x:.1f}" for x in os.getloadavg())}')


if __name__ == '__main__':
    main()
