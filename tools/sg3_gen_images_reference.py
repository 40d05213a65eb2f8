"""Runs NVlabs/stylegan3's own gen_images.py on a pickle, for comparing `latentlab generate`.

Usage (Debian python3-torch, a checkout of NVlabs/stylegan3 at STYLEGAN3_DIR):
  STYLEGAN3_DIR=/path/to/stylegan3 python3 tools/sg3_gen_images_reference.py \
      --network=PKL --seeds=0-3 --trunc=0.7 --translate=0.1,0.2 --rotate=15 --outdir=DIR

The fixture pickles (../shared/fixtures/F_nvidia_sg3_*) hold a placeholder instead of the embedded
module source; an import hook maps "# source omitted (<file>)" back to that file of the checkout.
CUDA is hidden (and gen_images.py's torch.device('cuda') becomes the CPU), so NVIDIA's custom
ops run their reference code paths.
"""
import os
import re
import sys

os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
root = os.environ.get('STYLEGAN3_DIR')
if not root:
    sys.exit('set STYLEGAN3_DIR to a checkout of NVlabs/stylegan3')
sys.path.insert(0, root)

from torch_utils import persistence  # noqa: E402


@persistence.import_hook
def _restore_source(meta):
    m = re.match(r'# source omitted \((.+)\)', meta.module_src or '')
    if m:
        with open(os.path.join(root, m.group(1)), encoding='utf-8-sig') as f:
            meta.module_src = f.read()
    return meta


import torch  # noqa: E402

import gen_images  # noqa: E402


class _CpuTorch:
    """gen_images.py hard-codes torch.device('cuda'); this view of torch hands it the CPU."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def device(*_args, **_kwargs):
        return torch.device('cpu')


gen_images.torch = _CpuTorch()

if __name__ == '__main__':
    gen_images.generate_images()  # click parses sys.argv
