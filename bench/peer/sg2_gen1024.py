"""NVIDIA's StyleGAN2 generator at 1024x1024 on PyTorch, the peer of our bench case `gen1024.b1`.

Builds training.networks.Generator of a NVlabs/stylegan2-ada-pytorch checkout (imported from the path given;
nothing of it is copied here) with the configuration of latentlab's STYLEGAN2_PRESETS.ffhq1024, i.e. train.py's
`--cfg stylegan2` at 1024x1024: z = w = 512, 8 mapping layers, channel_base 32768, channel_max 512,
conv_clamp 256; random init (torch.manual_seed(0)); float32 throughout (num_fp16_res 0 and force_fp32, as
on a CPU), CUDA hidden so bias_act / upfirdn2d run their reference code. Times G(z, None,
noise_mode='const') at batch 1 under torch.no_grad() (images/s = 1 / time).

    /usr/bin/python3 bench/peer/sg2_gen1024.py --nvidia DIR [--threads 2] [--calls 3] [--json out.json]
    /usr/bin/python3 bench/peer/sg2_gen1024.py --nvidia DIR --serve   (driven by `npm run bench:peer --
        --gen1024`: answers one JSON line `{"ready": ...}`, then reads lines `gen.b1 REPS` from stdin, runs
        the generator REPS times and answers one JSON line of wall and CPU seconds per call)

Debian's python3-torch (/usr/bin/python3) with libopenblas0-pthread. Each call takes seconds.
"""
import argparse
import json
import statistics
import sys

from torch_peer import timed_calls, use_nvidia_checkout  # first: hides CUDA before torch is imported

FFHQ1024 = dict(z_dim=512, w_dim=512, img_resolution=1024, img_channels=3, mapping_layers=8,
                channel_base=32768, channel_max=512, conv_clamp=256)


def make_generator(checkout):
    use_nvidia_checkout(checkout)
    import torch
    from training import networks
    c = FFHQ1024
    torch.manual_seed(0)
    G = networks.Generator(
        z_dim=c['z_dim'], c_dim=0, w_dim=c['w_dim'], img_resolution=c['img_resolution'],
        img_channels=c['img_channels'], mapping_kwargs=dict(num_layers=c['mapping_layers']),
        synthesis_kwargs=dict(channel_base=c['channel_base'], channel_max=c['channel_max'], num_fp16_res=0,
                              conv_clamp=c['conv_clamp']))
    return G.eval().requires_grad_(False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--nvidia', required=True, help='checkout of NVlabs/stylegan2-ada-pytorch')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--calls', type=int, default=3, help='timed calls after one warm-up (without --serve)')
    ap.add_argument('--json')
    ap.add_argument('--serve', action='store_true', help='answer timing requests on stdin (see above)')
    a = ap.parse_args()
    G = make_generator(a.nvidia)
    import torch
    torch.set_num_threads(a.threads)
    z = torch.randn(1, FFHQ1024['z_dim'])

    def generate():
        with torch.no_grad():
            return G(z, None, noise_mode='const', force_fp32=True)

    if a.serve:
        print(json.dumps(dict(ready=True, torch=torch.__version__, threads=torch.get_num_threads())), flush=True)
        for line in sys.stdin:
            parts = line.split()
            if not parts:
                continue
            if parts[0] != 'gen.b1':
                print(json.dumps(dict(error=f'unknown case {parts[0]}')), flush=True)
                continue
            wall, cpu = timed_calls(generate, int(parts[1]) if len(parts) > 1 else 1)
            print(json.dumps(dict(case='gen.b1', seconds=wall, cpu=cpu)), flush=True)
        return
    generate()  # warm-up
    wall, cpu = timed_calls(generate, max(1, a.calls))
    row = dict(case='gen.b1', best_s=min(wall), median_s=statistics.median(wall), cpu_s=min(cpu),
               calls=len(wall), per_s=1 / min(wall))
    print(f"ffhq1024 gen batch 1: best {row['best_s']:.2f} s, median {row['median_s']:.2f} s, "
          f"cpu {row['cpu_s']:.2f} s ({row['calls']} calls), {row['per_s']:.3f} images/s", flush=True)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(dict(peer='NVlabs/stylegan2-ada-pytorch networks.py on torch ' + torch.__version__,
                           threads=a.threads, rows=[row]), f, indent=1)


if __name__ == '__main__':
    main()
