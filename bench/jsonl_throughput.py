"""Throughput and peak memory of the batch worker's JSON-lines processor.

For each file size, three ways of computing the same output are timed, each in a fresh Python
subprocess so its peak RSS (getrusage ru_maxrss) is its own:

  streaming   the worker's real code: batch_worker.processors.jsonl.process reading a file stream
              and writing through a file-backed sink
  whole-file  the seed's approach: read the whole file, json.loads / json.dumps (stdlib) per line,
              keep every output line, write them at the end
  bare-loop   the least work that produces the output: `for line in file`, orjson.loads, compute,
              orjson.dumps, write — the practical ceiling for the JSON library the worker uses

Inputs are generated once into bench/data/ (deterministic, Yelp-business-like records).

    python bench/jsonl_throughput.py                  # 10 MB, 100 MB and 1 GB
    python bench/jsonl_throughput.py --sizes 10,100 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
VARIANTS = ("streaming", "whole-file", "bare-loop")
MB = 1_000_000

_CITIES = [
    ("Cornelius", "NC"),
    ("Scottsdale", "AZ"),
    ("Las Vegas", "NV"),
    ("Toronto", "ON"),
    ("Phoenix", "AZ"),
]
_CATEGORIES = [
    "Active Life",
    "Shopping",
    "Health & Medical",
    "Yoga",
    "Restaurants",
    "Pizza",
    "Bars",
    "Coffee & Tea",
]


def generate(path: Path, size_mb: int) -> None:
    """Write at least `size_mb` MB of JSON lines; the same size always gives the same bytes."""
    target = size_mb * MB
    if path.exists() and path.stat().st_size >= target:
        return
    rng = random.Random(size_mb)
    pool = []
    for _ in range(5000):
        city, state = rng.choice(_CITIES)
        record = {
            "business_id": "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", k=22)),
            "name": f"Business {rng.randrange(10**6)}",
            "address": f"{rng.randrange(1, 20000)} Main St, Ste {rng.randrange(1, 500)}",
            "city": city,
            "state": state,
            "postal_code": f"{rng.randrange(10000, 99999)}",
            "latitude": round(rng.uniform(25, 50), 7),
            "longitude": round(rng.uniform(-125, -70), 7),
            "stars": rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]),
            "review_count": rng.randrange(3, 5000),
            "is_open": rng.randrange(2),
            "categories": ", ".join(rng.sample(_CATEGORIES, rng.randrange(1, 5))),
        }
        pool.append((json.dumps(record) + "\n").encode())
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path.with_suffix(".tmp"), "wb") as out:
        while written < target:
            block = b"".join(rng.choices(pool, k=2000))
            out.write(block)
            written += len(block)
    path.with_suffix(".tmp").rename(path)


# --- the variants, each run in its own subprocess --------------------------------------------


def run_streaming(source_path: Path, output_path: Path) -> int:
    import logging
    import threading

    sys.path.insert(0, str(ROOT / "apps"))
    from batch_worker.processors import Context
    from batch_worker.processors.jsonl import process

    class FileSink:
        def __init__(self, files: contextlib.ExitStack) -> None:
            self.files = files

        def open(self, key: str, content_type: str | None = None):
            path = output_path if key == "input.jsonl" else output_path.with_suffix(".errors")
            return self.files.enter_context(open(path, "wb"))

        def delete(self, key: str) -> None:
            pass

    ctx = Context(
        bucket="bench",
        key="input.jsonl",
        size=source_path.stat().st_size,
        content_type=None,
        message_id="bench",
        log=logging.LoggerAdapter(logging.getLogger("bench")),
        cancelled=threading.Event(),
    )
    # Unbuffered, like the S3 body: every read(n) goes to the stream.
    with contextlib.ExitStack() as files, open(source_path, "rb", buffering=0) as source:
        stats = process(source, FileSink(files), ctx)
    return stats["lines"]


def run_whole_file(source_path: Path, output_path: Path) -> int:
    with open(source_path, "rb") as source:
        data = source.read()
    produced = []
    for line in data.splitlines():
        record = json.loads(line)
        record["review_score"] = float(record["stars"]) * float(record["review_count"])
        produced.append(json.dumps(record))
    with open(output_path, "w") as out:
        out.write("\n".join(produced) + "\n")
    return len(produced)


def run_bare_loop(source_path: Path, output_path: Path) -> int:
    import orjson

    loads, dumps, newline = orjson.loads, orjson.dumps, orjson.OPT_APPEND_NEWLINE
    lines = 0
    with open(source_path, "rb") as source, open(output_path, "wb") as out:
        write = out.write
        for lines, line in enumerate(source, 1):  # noqa: B007 — the count is the result
            record = loads(line)
            record["review_score"] = float(record["stars"]) * record["review_count"]
            write(dumps(record, option=newline))
    return lines


def child(variant: str, source_path: Path, output_path: Path) -> None:
    import resource

    if variant == "streaming":
        # Import before timing, as the worker has long since imported it when a message arrives.
        sys.path.insert(0, str(ROOT / "apps"))
        import batch_worker.processors.jsonl  # noqa: F401
    run = {"streaming": run_streaming, "whole-file": run_whole_file, "bare-loop": run_bare_loop}[variant]
    started, cpu_started = time.perf_counter(), time.process_time()
    lines = run(source_path, output_path)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "lines": lines,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_mb": peak_kib * 1024 / MB,
            }
        )
    )


# --- driver ------------------------------------------------------------------------------------


def measure(variant: str, source_path: Path, output_path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", variant, str(source_path), str(output_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="file sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant; the fastest is reported")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="which variants to run")
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        variant, source, output = args.child
        child(variant, Path(source), Path(output))
        return

    variants = [v for v in args.variants.split(",") if v]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; MB = 10^6 bytes; best of {args.repeat}, interleaved"
    )
    header = (
        f"{'size':>8} {'variant':<11} {'lines/s':>10} {'MB/s':>7} {'CPU s':>7} {'peak RSS MB':>12}"
        f" {'vs bare (wall)':>15} {'vs bare (CPU)':>14}"
    )
    print(header)
    print("-" * len(header))
    for size in (int(s) for s in args.sizes.split(",")):
        source_path = DATA_DIR / f"reviews_{size}MB.jsonl"
        generate(source_path, size)
        input_mb = source_path.stat().st_size / MB
        runs: dict[str, list[dict]] = {variant: [] for variant in variants}
        digests: dict[str, str] = {}
        # Round-robin, so a burst of load from elsewhere on the machine hits every variant alike.
        for _ in range(args.repeat):
            for variant in variants:
                output_path = DATA_DIR / f"out_{variant}.jsonl"
                runs[variant].append(measure(variant, source_path, output_path))
                if variant != "whole-file":  # stdlib json spaces its output differently
                    digests[variant] = digest(output_path)
                output_path.unlink()
                output_path.with_suffix(".errors").unlink(missing_ok=True)
        best = {
            variant: {
                "lines": results[0]["lines"],
                "seconds": min(run["seconds"] for run in results),
                "cpu_seconds": min(run["cpu_seconds"] for run in results),
                "peak_rss_mb": max(run["peak_rss_mb"] for run in results),
            }
            for variant, results in runs.items()
        }
        bare = best.get("bare-loop")
        for variant, run in best.items():
            wall = f"{bare['seconds'] / run['seconds']:.2f}x" if bare else "-"
            cpu = f"{bare['cpu_seconds'] / run['cpu_seconds']:.2f}x" if bare else "-"
            print(
                f"{size:>6}MB {variant:<11} {run['lines'] / run['seconds']:>10,.0f} "
                f"{input_mb / run['seconds']:>7.1f} {run['cpu_seconds']:>7.2f} {run['peak_rss_mb']:>12.1f}"
                f" {wall:>15} {cpu:>14}"
            )
        if len(set(digests.values())) > 1:
            print("  WARNING: streaming and bare-loop outputs differ")
        elif len(digests) == 2:
            print("  streaming and bare-loop outputs are byte-identical")


if __name__ == "__main__":
    main()
