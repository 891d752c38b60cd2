"""The jsonl batch pipeline under crashes, at full size: figures for inputs, kills, outputs, DLQ, lost,
duplicates and wall time.

Runs `local.crash` on moto_server (no AWS account): three `python -m batch_worker` processes, 200 uploads
by default (large ones taking seconds, multipart outputs, poison inputs); the chaos signals a worker only
when it has frozen it and its log proves it mid-message below its last allowed receive (4 at once, then
one every ~3 s) and starts it again, until the queue is empty; then the end state is checked.

    python bench/batch_crash.py                          # SIGKILL run, then SIGTERM run, 200 inputs each
    python bench/batch_crash.py --signal SIGKILL --inputs 500 --kill-every 2

Exit code 0 when every run's end state is sound, 1 otherwise (the problems are printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "apps")]

from local.crash import CrashSettings, bench_run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=200, help="inputs in all, poison included (default 200)")
    parser.add_argument("--large", type=int, help="files taking seconds each (default 6%% of inputs)")
    parser.add_argument("--multipart", type=int, default=2, help="files with an output over 8 MiB (default 2)")
    parser.add_argument("--poison", type=int, help="poison inputs (default 6%% of inputs)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--signal", choices=("SIGKILL", "SIGTERM", "both"), default="both")
    parser.add_argument(
        "--kill-every", type=float, default=3.0, help="mean seconds between signals after the first 4 (default 3)"
    )
    parser.add_argument("--grace", type=float, default=2.0, help="SHUTDOWN_GRACE_SECONDS of SIGTERM runs (default 2)")
    parser.add_argument("--visibility-timeout", type=int, default=4)
    parser.add_argument("--seconds-per-line", type=float, default=0.002)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="upper bound of one run, seconds")
    parser.add_argument("--log-dir", help="keep the worker logs here (default: a temporary directory)")
    args = parser.parse_args(argv)

    signals = ("SIGKILL", "SIGTERM") if args.signal == "both" else (args.signal,)
    sound = True
    for sig in signals:
        settings = CrashSettings(
            inputs=args.inputs,
            large=args.large if args.large is not None else max(2, args.inputs * 6 // 100),
            multipart=args.multipart,
            poison=args.poison if args.poison is not None else max(3, args.inputs * 6 // 100),
            workers=args.workers,
            signal=sig,
            kill_every=args.kill_every,
            visibility_timeout=args.visibility_timeout,
            seconds_per_line=args.seconds_per_line,
            small_lines=80,
            shutdown_grace=args.grace if sig == "SIGTERM" else 25.0,
            seed=args.seed,
            timeout=args.timeout,
        )
        sound = bench_run(f"crash-{sig}", settings, args.log_dir) and sound
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main())
