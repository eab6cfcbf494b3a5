"""PyTorch side of apps/bench: one process per workload, driven over stdin/stdout JSON lines.

    /usr/bin/python3 worker.py --list                          # torch installs visible to this python, as JSON
    /usr/bin/python3 worker.py --torch-root DIR --threads 2    # serve one workload (protocol below)

Protocol (one JSON object per line; every reply has "ok", failures carry "error"):
  start-up reply                 -> {"ok": true, "torch": "1.13.0a0", "file": ".../torch/__init__.py", "threads": 2}
  {"cmd": "setup", "spec": S}    -> {"ok": true, "params": N}       S = apps/bench's workload spec
  {"cmd": "run"}                 -> {"ok": true, "ms": 123.4}       one timed iteration
  {"cmd": "finish"}              -> {"ok": true, "peakRssMiB": 456.7} and the process exits
"""

import argparse
import json
import os
import re
import resource
import sys
import time


def list_torch_installs():
    """Every ``torch`` package on this interpreter's ``sys.path``, with the version its ``version.py`` declares (not imported)."""
    found = []
    seen = set()
    for entry in sys.path:
        root = os.path.realpath(entry or '.')
        version_file = os.path.join(root, 'torch', 'version.py')
        if root in seen or not os.path.isfile(version_file):
            continue
        seen.add(root)
        with open(version_file, encoding='utf-8') as f:
            match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
        if match:
            found.append({'root': root, 'version': match.group(1)})
    return found


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


class Workload:
    """One benchmark workload built from a spec: ``run()`` is one timed iteration."""

    def __init__(self, torch, models, spec):
        self.torch = torch
        kind = spec['kind']
        cfg = spec['config']
        batch = spec['batch']
        torch.manual_seed(0)
        if kind == 'gemm':
            n = cfg['n']
            self.a, self.b = torch.randn(n, n), torch.randn(n, n)
            self.params = 0
            self.step = lambda: self.a @ self.b
            return
        self.model = models.build(kind, cfg)
        self.params = models.count_trainable(self.model)
        self.x = torch.randn(batch, cfg['inChans'], cfg['imgSize'], cfg['imgSize'])
        if kind.endswith('-infer'):
            self.model.eval()
            self.step = self.infer
            return
        self.model.train()
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        if kind == 'mae-train':
            self.optimizer = torch.optim.AdamW(trainable, betas=(0.9, 0.95))
            self.loss_fn = lambda: self.model(self.x, spec['maskRatio'])
        else:
            self.optimizer = torch.optim.AdamW(trainable)
            labels = torch.randint(0, cfg['numClasses'], (batch,))
            self.loss_fn = lambda: torch.nn.functional.cross_entropy(self.model(self.x), labels)
        self.step = self.train_step

    def infer(self):
        with self.torch.inference_mode():
            return self.model(self.x)

    def train_step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def run(self):
        start = time.perf_counter()
        self.step()
        return (time.perf_counter() - start) * 1000


def serve(torch_root, threads):
    # Put the chosen install first so a torch elsewhere on sys.path cannot shadow it.
    sys.path.insert(0, torch_root)
    import torch
    import models

    torch.set_num_threads(threads)
    reply({'ok': True, 'torch': torch.__version__, 'file': torch.__file__, 'threads': torch.get_num_threads()})
    workload = None
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            if msg['cmd'] == 'setup':
                workload = Workload(torch, models, msg['spec'])
                reply({'ok': True, 'params': workload.params})
            elif msg['cmd'] == 'run':
                reply({'ok': True, 'ms': workload.run()})
            elif msg['cmd'] == 'finish':
                reply({'ok': True, 'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
                return
            else:
                raise ValueError(f"unknown command {msg['cmd']!r}")
        except Exception as err:  # reported to apps/bench, which fails the run with it
            reply({'ok': False, 'error': f'{type(err).__name__}: {err}'})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--list', action='store_true', help='print the torch installs on sys.path as JSON and exit')
    parser.add_argument('--torch-root', help='sys.path entry holding the torch package to benchmark')
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    if args.list:
        print(json.dumps(list_torch_installs()))
    elif args.torch_root:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        serve(args.torch_root, args.threads)
    else:
        parser.error('give --list or --torch-root')


if __name__ == '__main__':
    main()
