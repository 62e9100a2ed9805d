"""The process every launcher starts: `python -m training.worker --run-id ID [--resume]`.

torchrun / deepspeed / srun start one per GPU (RANK, LOCAL_RANK, WORLD_SIZE in the environment);
each sets its thread settings and installs the egress guard (`radforge.process.start`), then trains the
run whose folder `radforge train` prepared.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="training.worker", description=__doc__)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--local_rank", type=int, default=None, help=argparse.SUPPRESS)  # deepspeed launcher
    args = parser.parse_args(argv)

    from radforge.process import start

    start(preflight=False)  # threads before torch loads (torchrun's OMP_NUM_THREADS wins), logging, egress guard
    from training.engine import execute

    try:
        execute(args.run_id, resume=args.resume, disable_tqdm=not sys.stderr.isatty())
    finally:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
