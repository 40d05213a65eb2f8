#!/usr/bin/env python3
"""Writes StyleGAN3 reference cases for configurations beyond the shared fixtures F_nvidia_sg3_{t,r}32,
built and evaluated by NVlabs/stylegan3's own code (imported from a checkout at run time; nothing of
it is copied here), in the fixtures' layout (see ../shared/fixtures/README.md, case F):

  <out>/<case>/network-snapshot-000000.pkl   training-snapshot pickle: dict(G, D, G_ema, augment_pipe,
                                             training_set_kwargs), module source replaced by the
                                             fixtures' placeholder "# source omitted (<file>)"
  <out>/<case>/*.npy                         inputs (z, z2, z_per_layer, R, c) and reference outputs
  <out>/<case>/manifest.json                 files (role, shape, suggested_atol, ...), config,
                                             layer_table, ws_index_per_layer, checks

The matrix (CASES below) covers T and R; conditional (c_dim 10, one-hot labels) and unconditional;
resolutions 16 to 128; non-default channel_base / channel_max; mapping depths 1, 2, 8; z_dim != w_dim;
1 and 3 image channels; train.py's default num_fp16_res = 4 / conv_clamp = 256 and --fp32's 0 / None;
a clamp small enough to act; a D whose (default) clamp acts; a snapshot with an ADA AugmentPipe.

Usage (Debian python3-torch + python3-numpy + python3-scipy; networks_stylegan3 designs its filters
with scipy):
  /usr/bin/python3 tools/make_sg3_references.py --stylegan3 /path/to/NVlabs/stylegan3 --out DIR \
      [--only NAME,NAME] [--lean] [--list]
Then `LATENTLAB_SG3_REFERENCES=DIR npx vitest run test/models/stylegan3.references.test.ts`.

On the CPU NVIDIA's layers run in float32 whatever `use_fp16` says (SynthesisLayer picks float16 only
on CUDA; networks_stylegan2 forces fp32 off CUDA) while conv_clamp still applies, so a loader must
ignore num_fp16_res and keep the clamp. Custom ops run their reference code (CUDA is hidden).
"""

import argparse
import copy
import hashlib
import json
import os
import pickle
import re
import sys
import time

os.environ['CUDA_VISIBLE_DEVICES'] = ''
import numpy as np  # noqa: E402

N = 4  # batch, as in the fixtures
BASE = dict(variant='t', res=32, c_dim=0, img_channels=3, z_dim=64, w_dim=64, map_depth=2, cbase=512, cmax=32,
            fp32=False, conv_clamp=None, d_fromrgb_scale=1.0, augment=False, translate=(0.125, -0.0625), rotate=10.0,
            crossover=5, seed=7)
# name -> overrides of BASE. cbase / cmax are train.py's --cbase / --cmax (doubled for G in stylegan3-r).
CASES = {
    # conditional, mapping depth 1, z_dim != w_dim, channels falling from cmax (cutoff-limited)
    't16_cond10_map1': dict(variant='t', res=16, c_dim=10, z_dim=32, w_dim=48, map_depth=1, cbase=128, cmax=16),
    # R, conditional, one image channel, mapping depth 8, z_dim > w_dim
    'r16_cond10_map8_gray': dict(variant='r', res=16, c_dim=10, img_channels=1, z_dim=48, w_dim=32, map_depth=8,
                                 cbase=128, cmax=8, translate=(-0.0625, 0.1), rotate=-15.0, crossover=8),
    # a G clamp that acts (conv_clamp=1), D built like train.py (its default clamp 256) with fromrgb scaled so
    # that clamp acts too, and an ADA augment pipe in the snapshot
    't32_clamp1_dclamp_ada': dict(variant='t', res=32, z_dim=32, w_dim=32, cbase=128, cmax=8, conv_clamp=1.0,
                                  d_fromrgb_scale=1e4, augment=True),
    # --fp32 (num_fp16_res 0, conv_clamp None), one channel, mapping depth 8
    't64_fp32_map8_gray': dict(variant='t', res=64, img_channels=1, z_dim=32, w_dim=64, map_depth=8, cbase=512, cmax=16,
                               fp32=True),
    'r64_cond10': dict(variant='r', res=64, c_dim=10, z_dim=64, w_dim=32, cbase=256, cmax=8, rotate=30.0),
    't128_cond10': dict(variant='t', res=128, c_dim=10, z_dim=32, w_dim=32, cbase=256, cmax=8, crossover=9),
    'r128_map1': dict(variant='r', res=128, z_dim=32, w_dim=48, map_depth=1, cbase=128, cmax=4, rotate=-40.0),
}
GEN_IMAGES = dict(seeds=[0, 1], class_idx=3, psi=0.7, translate=(0.1, 0.2), rotate=15.0)  # conditional cases only
FIXED = ('up_filter', 'down_filter', 'resample_filter', 'transform', 'magnitude_ema', 'w_avg')


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def setup(checkout):
    sys.path.insert(0, checkout)
    from torch_utils import persistence

    @persistence.import_hook
    def _restore_source(meta):  # for reloading our own pickles with the reference code
        m = re.match(r'# source omitted \((.+)\)', meta.module_src or '')
        if m:
            with open(os.path.join(checkout, m.group(1)), encoding='utf-8-sig') as f:
                meta.module_src = f.read()
        return meta


def kwargs_for(cfg):
    """G/D/augment kwargs as train.py assembles them for this --cfg (plus the dims train.py hard-codes)."""
    G_kwargs = dict(class_name='training.networks_stylegan3.Generator', z_dim=cfg['z_dim'], w_dim=cfg['w_dim'],
                    mapping_kwargs=dict(num_layers=cfg['map_depth']), channel_base=cfg['cbase'], channel_max=cfg['cmax'],
                    magnitude_ema_beta=0.5 ** (32 / (20 * 1e3)))
    D_kwargs = dict(class_name='training.networks_stylegan2.Discriminator', block_kwargs=dict(freeze_layers=0),
                    mapping_kwargs=dict(), epilogue_kwargs=dict(mbstd_group_size=4), channel_base=cfg['cbase'],
                    channel_max=cfg['cmax'])
    if cfg['variant'] == 'r':
        G_kwargs.update(conv_kernel=1, channel_base=2 * cfg['cbase'], channel_max=2 * cfg['cmax'], use_radial_filters=True)
    if cfg['fp32']:
        G_kwargs.update(num_fp16_res=0, conv_clamp=None)
        D_kwargs.update(num_fp16_res=0, conv_clamp=None)
    if cfg['conv_clamp'] is not None:
        G_kwargs.update(conv_clamp=cfg['conv_clamp'])
    common = dict(c_dim=cfg['c_dim'], img_resolution=cfg['res'], img_channels=cfg['img_channels'])
    aug = dict(class_name='training.augment.AugmentPipe', xflip=1, rotate90=1, xint=1, scale=1, rotate=1, aniso=1,
               xfrac=1, brightness=1, contrast=1, lumaflip=1, hue=1, saturation=1) if cfg['augment'] else None
    return G_kwargs, D_kwargs, common, aug


def perturb(net, gen, scale):
    """+scale*N(0,1) on every float parameter/buffer except fixed filters and set-later buffers; FC noise / lr."""
    import torch
    with torch.no_grad():
        for mod in net.modules():
            div = float(getattr(mod, 'bias_gain', 1)) if type(mod).__name__ == 'FullyConnectedLayer' else 1.0
            for name, t in list(mod.named_parameters(recurse=False)) + list(mod.named_buffers(recurse=False)):
                if t is None or name in FIXED or not t.is_floating_point():
                    continue
                t.add_(torch.randn(t.shape, generator=gen) * (scale / div))


def one_hot(labels, c_dim):
    c = np.zeros([len(labels), c_dim], dtype=np.float32)
    c[np.arange(len(labels)), labels] = 1
    return c


def calibrate(G, c_dim, seed):
    """w_avg := mean mapping output over 4096 z; magnitude_ema := mean(x**2) of each layer's input (16 z)."""
    import torch
    rng = np.random.RandomState(seed)
    with torch.no_grad():
        z = torch.from_numpy(rng.randn(4096, G.z_dim).astype(np.float32))
        c = torch.from_numpy(one_hot(rng.randint(c_dim, size=4096), c_dim) if c_dim else np.zeros([4096, 0], np.float32))
        G.mapping.w_avg.copy_(G.mapping(z, c)[:, 0].mean(0))
        def track(mod, args):  # before the layer runs: its input, already normalised by the earlier layers
            mod.magnitude_ema.copy_(args[0].square().mean())

        hooks = [m.register_forward_pre_hook(track) for name, m in G.synthesis.named_children() if name.startswith('L')]
        G.synthesis(G.mapping(z[:16], c[:16]), noise_mode='const', force_fp32=True)
        for h in hooks:
            h.remove()


def dump_snapshot(path, snap, placeholder):
    from torch_utils import persistence
    saved = {}
    if placeholder:
        for dec in persistence._decorators:
            saved[dec] = dec._orig_module_src
            dec._orig_module_src = f'# source omitted ({dec.__mro__[1].__module__.replace(".", "/")}.py)'
    try:
        with open(path, 'wb') as f:
            pickle.dump(snap, f)
    finally:
        for dec, src in saved.items():
            dec._orig_module_src = src


def layer_table(G):
    s = G.synthesis
    inp = s.input
    rows = [dict(layer='synthesis.input', ws_index=0, channels=int(inp.channels), size=[int(v) for v in inp.size],
                 sampling_rate=float(inp.sampling_rate), bandwidth=float(inp.bandwidth))]
    for i, name in enumerate(s.layer_names):
        m = getattr(s, name)
        rows.append(dict(
            layer=f'synthesis.{name}', idx=i, ws_index=i + 1, in_channels=m.in_channels, out_channels=m.out_channels,
            in_size=[int(v) for v in m.in_size], out_size=[int(v) for v in m.out_size],
            in_sampling_rate=float(m.in_sampling_rate), out_sampling_rate=float(m.out_sampling_rate),
            tmp_sampling_rate=float(m.tmp_sampling_rate), in_cutoff=float(m.in_cutoff), out_cutoff=float(m.out_cutoff),
            in_half_width=float(m.in_half_width), out_half_width=float(m.out_half_width), is_torgb=bool(m.is_torgb),
            is_critically_sampled=bool(m.is_critically_sampled), use_fp16=bool(m.use_fp16), conv_kernel=m.conv_kernel,
            up_factor=m.up_factor, down_factor=m.down_factor, up_taps=m.up_taps, down_taps=m.down_taps,
            down_radial=bool(m.down_radial), filtered_lrelu_padding_x0_x1_y0_y1=list(m.padding),
            conv_clamp=None if m.conv_clamp is None else float(m.conv_clamp), magnitude_ema=float(m.magnitude_ema)))
    return rows


def tolerance(name, ref):
    """The fixtures' rule without a float64 rerun: max(1e-4, 1e-5 max|ref|); gradients by relative L2."""
    peak = float(np.abs(ref).max()) if ref.size else 0.0
    if name.startswith('grad_'):
        # fixtures F: float32 kink flips move StyleGAN3 gradients by a relative ~1e-3; suggested_rel_l2 4e-3..7e-3
        return dict(suggested_rel_l2=5e-3, suggested_atol=max(1e-4, 0.02 * peak),
                    tolerance_rule='relative L2 5e-3 (fixtures F: 4e-3..7e-3); loose atol 0.02 max|ref|')
    return dict(suggested_atol=max(1e-4, 1e-5 * peak), tolerance_rule='max(1e-4, 1e-5 max|ref|) (fixtures README)')


def make_case(name, cfg, out_dir, checkout, lean):
    import torch
    import dnnlib
    import gen_images
    torch.set_num_threads(1)
    G_kwargs, D_kwargs, common, aug_kwargs = kwargs_for(cfg)
    torch.manual_seed(cfg['seed'])
    G = dnnlib.util.construct_class_by_name(**G_kwargs, **common).train().requires_grad_(False)
    D = dnnlib.util.construct_class_by_name(**D_kwargs, **common).train().requires_grad_(False)
    augment_pipe = None
    if aug_kwargs:
        augment_pipe = dnnlib.util.construct_class_by_name(**aug_kwargs).train().requires_grad_(False)
        augment_pipe.p.copy_(torch.as_tensor(0.2))
    gen = torch.Generator().manual_seed(1000 + cfg['seed'])
    perturb(G, gen, 0.1)
    perturb(D, gen, 0.1)
    if cfg['d_fromrgb_scale'] != 1:
        with torch.no_grad():
            getattr(D, f'b{cfg["res"]}').fromrgb.weight.mul_(cfg['d_fromrgb_scale'])
    calibrate(G, cfg['c_dim'], cfg['seed'] + 2000)
    m = np.linalg.inv(gen_images.make_transform(cfg['translate'], cfg['rotate']))
    G.synthesis.input.transform.copy_(torch.from_numpy(m))
    G_ema = copy.deepcopy(G).eval()
    perturb_params = torch.Generator().manual_seed(3000 + cfg['seed'])
    with torch.no_grad():
        for mod in G_ema.modules():
            div = float(getattr(mod, 'bias_gain', 1)) if type(mod).__name__ == 'FullyConnectedLayer' else 1.0
            for pname, p in mod.named_parameters(recurse=False):
                p.add_(torch.randn(p.shape, generator=perturb_params) * (0.02 / div))
    snap = dict(G=G, D=D, G_ema=G_ema, augment_pipe=augment_pipe, training_set_kwargs=dict(
        class_name='training.dataset.ImageFolderDataset', path=f'datasets/{name}.zip', use_labels=bool(cfg['c_dim']),
        max_size=1000, xflip=False, resolution=cfg['res'], random_seed=0))
    for k, v in snap.items():
        if isinstance(v, torch.nn.Module):
            snap[k] = copy.deepcopy(v).eval().requires_grad_(False).cpu()
    G, D, G_ema = snap['G'], snap['D'], snap['G_ema']
    os.makedirs(out_dir, exist_ok=True)
    pkl = os.path.join(out_dir, 'network-snapshot-000000.pkl')
    dump_snapshot(pkl, snap, placeholder=True)

    # inputs, drawn in the fixtures' order
    rng = np.random.RandomState(10000 + cfg['seed'])
    num_ws, c_dim = G_ema.num_ws, cfg['c_dim']
    z = rng.randn(N, G_ema.z_dim).astype(np.float32)
    z2 = rng.randn(N, G_ema.z_dim).astype(np.float32)
    z_per_layer = rng.randn(num_ws, N, G_ema.z_dim).astype(np.float32)
    R = rng.randn(N, cfg['img_channels'], cfg['res'], cfg['res']).astype(np.float32)
    labels = rng.randint(c_dim, size=N).tolist() if c_dim else None
    c = one_hot(labels, c_dim) if c_dim else np.zeros([N, 0], np.float32)
    T = torch.from_numpy
    files = {}

    def put(fname, arr, role, description, **extra):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        path = os.path.join(out_dir, fname)
        np.save(path, arr)
        data = open(path, 'rb').read()
        entry = dict(role=role, format='npy', dtype='float32', shape=list(arr.shape), description=description,
                     stats={} if arr.size == 0 else dict(min=float(arr.min()), max=float(arr.max()), mean=float(arr.mean()),
                                                         std=float(arr.std())),
                     bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), **extra)
        if role == 'output':
            entry.update(tolerance(fname, arr))
        files[fname] = entry

    put('z.npy', z, 'input', f'np.random.RandomState({10000 + cfg["seed"]}).randn(N, z_dim) (draw order: z, z2, z_per_layer, R, labels)')
    put('z2.npy', z2, 'input', 'second latent batch (style-mixing source)')
    put('z_per_layer.npy', z_per_layer, 'input', 'z_per_layer[i] is mapped to produce W+ row i (see ws_plus)')
    put('R.npy', R, 'input', 'fixed random weights for the scalar loss sum(img * R) used for gradients')
    put('c.npy', c, 'input', 'conditioning labels, one-hot float32 (shape [N,0] for unconditional)', labels=labels)
    snth = dict(noise_mode='const', force_fp32=True)
    with torch.no_grad():
        cz = T(c)
        ws1 = G_ema.mapping(T(z), cz, truncation_psi=1)
        ws7 = G_ema.mapping(T(z), cz, truncation_psi=0.7)
        ws7c = G_ema.mapping(T(z), cz, truncation_psi=0.7, truncation_cutoff=2)
        ws_plus = torch.stack([G_ema.mapping(T(z_per_layer[i]), cz)[:, 0] for i in range(num_ws)], 1)
        ws_mix = ws1.clone()
        ws_mix[:, cfg['crossover']:] = G_ema.mapping(T(z2), cz)[:, cfg['crossover']:]
        put('ws_psi1.npy', ws1, 'output', 'G_ema.mapping(z, c, truncation_psi=1) -> [N, num_ws, w_dim]')
        put('ws_psi0.7.npy', ws7, 'output', 'G_ema.mapping(z, c, truncation_psi=0.7)')
        put('ws_psi0.7_cutoff2.npy', ws7c, 'output', 'G_ema.mapping(z, c, truncation_psi=0.7, truncation_cutoff=2)')
        put('ws_plus.npy', ws_plus, 'input', 'ws_plus[:, i] = G_ema.mapping(z_per_layer[i], c)[:, 0]')
        put('ws_mix.npy', ws_mix, 'input', f'ws_psi1 with rows {cfg["crossover"]}.. from G_ema.mapping(z2, c)')
        img = G_ema.synthesis(ws1, **snth)
        put('img_const.npy', img, 'output', "G_ema.synthesis(ws_psi1, noise_mode='const')")
        put('img_psi0.7_const.npy', G_ema.synthesis(ws7, **snth), 'output', 'G_ema.synthesis(ws_psi0.7)')
        put('img_G_forward_psi0.7_cutoff2_const.npy', G_ema(T(z), cz, truncation_psi=0.7, truncation_cutoff=2, **snth),
            'output', 'G_ema(z, c, truncation_psi=0.7, truncation_cutoff=2)')
        img_plus = G_ema.synthesis(ws_plus, **snth)
        put('img_wplus_const.npy', img_plus, 'output', 'G_ema.synthesis(ws_plus)')
        put('img_mix_const.npy', G_ema.synthesis(ws_mix, **snth), 'output', 'G_ema.synthesis(ws_mix)')
        put('G_img_const.npy', G.synthesis(G.mapping(T(z), cz), **snth), 'output', 'non-EMA G.synthesis(G.mapping(z, c))')
        if not lean:
            put('input_features.npy', G_ema.synthesis.input(ws1[:, 0]), 'output', 'G_ema.synthesis.input(ws_psi1[:, 0])')
        put('D_logits_img_const.npy', D(img, cz), 'output', 'D(img_const, c) -> [N, 1]')
        put('D_logits_img_wplus.npy', D(img_plus, cz), 'output', 'D(img_wplus_const, c) -> [N, 1]')
        saved_tf = G_ema.synthesis.input.transform.clone()
        G_ema.synthesis.input.transform.copy_(torch.eye(3))
        put('img_identity_transform_const.npy', G_ema.synthesis(ws1, **snth), 'output', 'transform reset to the identity')
        G_ema.synthesis.input.transform.copy_(saved_tf)
    ws_g = ws1.clone().requires_grad_(True)
    (G_ema.synthesis(ws_g, **snth) * T(R)).sum().backward()
    put('grad_ws.npy', ws_g.grad, 'output', 'd/d ws of sum(G_ema.synthesis(ws, const) * R) at ws = ws_psi1')
    z_g = T(z).clone().requires_grad_(True)
    (G_ema(z_g, cz, **snth) * T(R)).sum().backward()
    put('grad_z.npy', z_g.grad, 'output', 'd/d z of sum(G_ema(z, c, const) * R)')
    gen_cfg = None
    if c_dim:  # gen_images.py --class --trunc --translate --rotate, uint8 HWC pixels stored as float32
        gi = GEN_IMAGES
        G2 = copy.deepcopy(G_ema)
        G2.synthesis.input.transform.copy_(torch.from_numpy(np.linalg.inv(gen_images.make_transform(gi['translate'], gi['rotate']))))
        label = torch.zeros([1, c_dim])
        label[:, gi['class_idx']] = 1
        pix, pre = [], []
        with torch.no_grad():
            for seed in gi['seeds']:
                zz = torch.from_numpy(np.random.RandomState(seed).randn(1, G2.z_dim))
                im = G2(zz, label, truncation_psi=gi['psi'], noise_mode='const')
                pre.append((im.permute(0, 2, 3, 1) * 127.5 + 128)[0].numpy())
                pix.append((im.permute(0, 2, 3, 1) * 127.5 + 128).clamp(0, 255).to(torch.uint8)[0].numpy())
        put('gen_images_uint8.npy', np.stack(pix), 'output', 'gen_images.py pixels [seeds, H, W, C] (uint8 values)')
        # An image within its 1e-4 tolerance is within 127.5e-4 of these values, so a pixel whose value lies that
        # close to an integer may truncate to either side of it; every other pixel must be identical.
        put('gen_images_prequant.npy', np.stack(pre), 'output', 'img * 127.5 + 128 before clamp and uint8 truncation')
        files['gen_images_uint8.npy'].update(suggested_atol=0, tolerance_rule='exact, except where gen_images_prequant.npy '
                                             'lies within 127.5 * 1e-4 of an integer (then off by at most 1)')
        gen_cfg = dict(gi, command='gen_images.py --seeds=0,1 --class=3 --trunc=0.7 --translate=0.1,0.2 --rotate=15')

    # reloading the pickle with the reference code reproduces img_const exactly
    with open(pkl, 'rb') as f:
        again = pickle.load(f)
    with torch.no_grad():
        reload_diff = float((again['G_ema'].synthesis(ws1, **snth) - img).abs().max())
    data = open(pkl, 'rb').read()
    files['network-snapshot-000000.pkl'] = dict(
        role='model', format='python-pickle (stylegan3 network snapshot)', bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        description='dict(G, D, G_ema, augment_pipe, training_set_kwargs) as training_loop.py writes it; module '
                    'source replaced by "# source omitted (<file>)". Outputs use G_ema except G_img_const (G).')
    G_ch = [int(G_ema.synthesis.input.channels)] + [getattr(G_ema.synthesis, n).out_channels for n in G_ema.synthesis.layer_names]
    manifest = dict(
        case=name, title=f'NVlabs/stylegan3 stylegan3-{cfg["variant"]} {"conditional" if c_dim else "unconditional"} '
                         f'{cfg["res"]}x{cfg["res"]}x{cfg["img_channels"]}, z {cfg["z_dim"]}, w {cfg["w_dim"]}, '
                         f'mapping {cfg["map_depth"]}',
        made_by='tools/make_sg3_references.py', files=files,
        config=dict(case_config=cfg, G_kwargs=G_kwargs, D_kwargs=D_kwargs, common_kwargs=common,
                    augment_kwargs=aug_kwargs, num_ws=num_ws, c_dim=c_dim, batch=N, crossover=cfg['crossover'],
                    G_channels=G_ch, input_transform=dict(translate=list(cfg['translate']), rotate_degrees=cfg['rotate'],
                                                          stored_float32=G.synthesis.input.transform.tolist()),
                    gen_images=gen_cfg),
        how_made='as fixtures F (see its README): torch.manual_seed(seed), G and D built with the kwargs train.py '
                 'assembles; +0.1 N(0,1) on parameters and buffers except filters (FC noise / lr multiplier); '
                 'w_avg = mean mapping output of 4096 z (random labels when conditional); magnitude_ema = mean(x**2) of '
                 'each layer input over 16 z; transform = inv(make_transform(translate, rotate)); G_ema = G + 0.02 N(0,1) '
                 'on parameters; d_fromrgb_scale multiplies D.b<res>.fromrgb.weight. CPU, float32, 1 thread.',
        ws_index_per_layer=[dict(layer=r['layer'], ws_index=r['ws_index']) for r in layer_table(G_ema)],
        layer_table=layer_table(G_ema),
        checks=dict(reload_img_const_max_abs_diff=reload_diff, d_conv_clamp=[getattr(mm, 'conv_clamp', None) for mm in D.modules() if type(mm).__name__ == 'Conv2dLayer'][:1]),
        reference=dict(checkout=os.path.abspath(checkout), torch=torch.__version__, numpy=np.__version__))
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    return reload_diff


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--stylegan3', required=True, help='checkout of NVlabs/stylegan3')
    ap.add_argument('--out', required=True, help='folder; one sub-folder per case')
    ap.add_argument('--only', help='comma-separated case names')
    ap.add_argument('--lean', action='store_true', help='omit input_features.npy (the largest file)')
    ap.add_argument('--list', action='store_true', help='print the case matrix and exit')
    a = ap.parse_args()
    names = a.only.split(',') if a.only else list(CASES)
    for n in names:
        if n not in CASES:
            ap.error(f'unknown case {n} (cases: {", ".join(CASES)})')
    if a.list:
        for n in names:
            print(n, json.dumps({**BASE, **CASES[n]}))
        return
    checkout = os.path.abspath(a.stylegan3)
    setup(checkout)
    for n in names:
        t0 = time.time()
        diff = make_case(n, {**BASE, **CASES[n]}, os.path.join(a.out, n), checkout, a.lean)
        log(f'{n}: written in {time.time() - t0:.1f} s (reload diff {diff})')


if __name__ == '__main__':
    main()
