"""NVIDIA's own StyleGAN3 on PyTorch, the peer of bench/stylegan3.ts (never run by the tests).

Builds training.networks_stylegan3.Generator of a NVlabs/stylegan3 checkout with train.py's
`--cfg=stylegan3-t` arguments at 256x256 (z = w = 512, 2 mapping layers, channel_base 32768,
channel_max 512, random init), on the CPU in float32 (CUDA hidden, so filtered_lrelu / upfirdn2d /
bias_act run their reference code), and times:
  gen.b1, gen.b8   G(z, None) at batch 1 and 8 (img/s = batch / time)
  projstep         one W+ projector step: ws requires grad, img = G.synthesis(ws), MSE to a target,
                   backward (steps/s = 1 / time)

    /usr/bin/python3 bench/peer/sg3_torch.py --stylegan3 DIR [--threads 2] [--seconds 10] [--json out.json]
    /usr/bin/python3 bench/peer/sg3_torch.py --stylegan3 DIR --serve   (driven by bench/stylegan3Race.ts:
        reads lines `CASE REPS` from stdin, runs CASE REPS times, answers one JSON line of wall and CPU
        seconds per call;
        CASE is gen.b1, gen.b8 or projstep; `drop` frees the cached inputs)

Prints the best single call per case (as tools/peer_bench.py does) and the median.
Debian's python3-torch with libopenblas0-pthread; run beside `npm run bench -- --only sg3t256` in one
quiet sitting, or the comparison means nothing.
"""
import argparse
import json
import statistics
import sys
import time

from torch_peer import timed_calls  # first: hides CUDA before torch is imported


def timed(fn, seconds):
    fn()  # warm-up
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 3:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), len(times)


def serve(G, step):
    import torch
    zs = {}
    print(json.dumps(dict(ready=True, torch=torch.__version__, threads=torch.get_num_threads())), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == 'drop':
            zs.clear()
            print(json.dumps(dict(dropped=True)), flush=True)
            continue
        case, reps = parts[0], int(parts[1])
        if case == 'projstep':
            fn = step
        else:
            b = int(case.split('.b')[1])
            z = zs.setdefault(b, torch.randn(b, 512))

            def fn():
                with torch.no_grad():
                    return G(z, None, noise_mode='const', force_fp32=True)
        times, cpu = timed_calls(fn, reps)
        print(json.dumps(dict(case=case, seconds=times, cpu=cpu)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--stylegan3', required=True, help='checkout of NVlabs/stylegan3')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seconds', type=float, default=10)
    ap.add_argument('--json')
    ap.add_argument('--serve', action='store_true', help='answer timing requests on stdin (see above)')
    a = ap.parse_args()
    sys.path.insert(0, a.stylegan3)
    import torch
    from training.networks_stylegan3 import Generator

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=256, img_channels=3,
                  mapping_kwargs=dict(num_layers=2), channel_base=32768, channel_max=512,
                  magnitude_ema_beta=0.5 ** (32 / (20 * 1e3))).eval().requires_grad_(False)
    ws0 = G.mapping(torch.randn(1, 512), None)
    target = torch.randn(1, 3, 256, 256).tanh()

    def step():
        ws = ws0.clone().requires_grad_(True)
        img = G.synthesis(ws, noise_mode='const', force_fp32=True)
        loss = (img - target).square().mean()
        loss.backward()
        return ws.grad

    if a.serve:
        serve(G, step)
        return
    rows = {}
    with torch.no_grad():
        for b in (1, 8):
            z = torch.randn(b, 512)
            best, med, n = timed(lambda: G(z, None, noise_mode='const', force_fp32=True), a.seconds)
            rows[f'gen.b{b}'] = dict(best_s=best, median_s=med, calls=n, per_s=b / best)
    best, med, n = timed(step, a.seconds)
    rows['projstep'] = dict(best_s=best, median_s=med, calls=n, per_s=1 / best)
    for k, r in rows.items():
        print(f"{k:10s} best {r['best_s'] * 1e3:9.1f} ms  median {r['median_s'] * 1e3:9.1f} ms  "
              f"({r['calls']} calls)  {r['per_s']:.3f}/s")
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(dict(threads=a.threads, torch=torch.__version__, rows=rows), f, indent=1)


if __name__ == '__main__':
    main()
