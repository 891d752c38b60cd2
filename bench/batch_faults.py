"""The jsonl batch pipeline behind a fault-injecting proxy: figures at 10 % and 30 % faults.

Runs `local.crash` on moto_server (no AWS account) with no kills: three `python -m batch_worker`
processes reach moto_server through `local.fault_proxy`, which answers a share of each operation's
requests with a fault (500, 503, throttling, a reset before or after the request is applied, a reset in
the middle of a GetObject body, a latency spike); then the end state is checked.

    python bench/batch_faults.py                      # 10 % then 30 %, 60 inputs each
    python bench/batch_faults.py --rates 0.3 --inputs 200

Exit code 0 when every run's end state is sound, 1 otherwise (the problems are printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "apps")]

from local.crash import CrashSettings, bench_run  # noqa: E402
from local.fault_proxy import FaultSettings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.3], help="fault rates (default 0.1 0.3)")
    parser.add_argument("--inputs", type=int, default=60, help="inputs in all (default 60)")
    parser.add_argument("--large", type=int, default=4, help="files taking seconds each (default 4)")
    parser.add_argument("--multipart", type=int, default=2, help="files with an output over 8 MiB (default 2)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--visibility-timeout", type=int, default=12)
    parser.add_argument("--latency", type=float, default=1.0, help="longest latency spike, seconds (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="upper bound of one run, seconds")
    parser.add_argument("--log-dir", help="keep the worker logs here (default: a temporary directory)")
    args = parser.parse_args(argv)

    settings = CrashSettings(
        inputs=args.inputs,
        large=args.large,
        large_lines=4000,
        multipart=args.multipart,
        poison=0,
        workers=args.workers,
        signal=None,
        visibility_timeout=args.visibility_timeout,
        small_lines=80,
        seed=args.seed,
        timeout=args.timeout,
    )
    sound = True
    for rate in args.rates:
        faults = FaultSettings(rate=rate, seed=args.seed, latency_seconds=args.latency)
        sound = bench_run(f"faults-{rate:g}", settings, args.log_dir, faults) and sound
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main())
