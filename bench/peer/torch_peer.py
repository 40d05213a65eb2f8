"""What the PyTorch peer scripts beside this file share: torch on the CPU only, a NVlabs checkout on the
import path, and per-call timing. Imported as `torch_peer` (python puts a script's own folder first on
sys.path, so `python3 bench/peer/X.py` finds it from any working directory).

Importing it hides CUDA (CUDA_VISIBLE_DEVICES='' unless set), before anything imports torch: NVIDIA's
custom ops (bias_act, upfirdn2d, filtered_lrelu) then run their reference code, as every CPU user gets.
"""
import os
import sys
import time
import types

os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')


def use_nvidia_checkout(checkout):
    """Puts a NVlabs stylegan2-ada-pytorch / stylegan3 checkout first on the import path (`import training`).

    Its training/augment.py imports scipy.signal at module level; nothing here uses it, so a stand-in
    module is registered where scipy is missing.
    """
    try:
        import scipy.signal  # noqa: F401
    except ImportError:
        sci, sig = types.ModuleType('scipy'), types.ModuleType('scipy.signal')
        sci.signal = sig
        sys.modules.setdefault('scipy', sci)
        sys.modules.setdefault('scipy.signal', sig)
    sys.path.insert(0, os.path.abspath(checkout))


def timed_calls(fn, reps):
    """Wall and process-CPU seconds (all threads) of each of `reps` calls of fn()."""
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu
