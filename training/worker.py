"""The process every launcher starts: `python -m training.worker --run-id ID [--resume]`.

torchrun / deepspeed / srun start one per GPU (RANK, LOCAL_RANK, WORLD_SIZE in the environment);
each installs the egress guard, then trains the run whose folder `radforge train` prepared.
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

    from radforge.egress import install_from_settings
    from radforge.log import setup_logging

    setup_logging()
    install_from_settings()
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
