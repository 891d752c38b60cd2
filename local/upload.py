"""`python -m local.upload FILE`: put a file in a batch pipeline's input bucket of the running local system.

    python -m local.upload local/samples/yelp_businesses.jsonl
    python -m local.upload local/samples/cat-landscape.jpg --key photos/cat.jpg

The pipeline is the one whose suffixes take the file (`--to NAME` picks one by name); its input bucket
comes from the stack outputs file `python -m local` wrote, and moto_server's endpoint from the environment
file beside it. The upload goes through that endpoint with fake credentials, so it can never reach AWS;
the bucket's event then reaches the pipeline's queue and workers as in AWS.

Exit codes: 0 uploaded, 2 nothing to upload to (no local system's files, no pipeline takes the file, no
such file), 6 moto_server does not answer (the local system has stopped).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError

from ecs_workloads.ops.errors import ExitCode, OpsError
from ecs_workloads.ops.outputs import load_outputs

from .aws import Aws
from .control_plane import DEFAULT_STATE_DIR, ENV_FILE, OUTPUTS_FILE, read_environment
from .system import load_stack_settings

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SAMPLES = sorted(SAMPLES_DIR.iterdir())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(upload(Path(args.file), Path(args.state_dir), args.stack, args.to, args.key))
        return 0
    except OpsError as error:
        print(f"python -m local.upload: {error}", file=sys.stderr)
        return int(error.code)


def upload(file: Path, state_dir: Path, stack: str, to: str | None, key: str | None) -> str:
    if not file.is_file():
        raise OpsError(f"{file}: no such file", ExitCode.USAGE)
    outputs_path, env_path = state_dir / OUTPUTS_FILE, state_dir / ENV_FILE
    if not outputs_path.exists() or not env_path.exists():
        raise OpsError(
            f"no local system's files in {state_dir} ({OUTPUTS_FILE}, {ENV_FILE}): start one with `make local`",
            ExitCode.USAGE,
        )
    outputs = load_outputs(str(outputs_path), None)
    pipelines = load_stack_settings(stack).batch
    name = to or _pipeline_for(file, {name: pipelines[name].suffixes for name in outputs.queues if name in pipelines})
    queue = outputs.queue(name)
    prefixes = pipelines[name].prefixes if name in pipelines else []
    object_key = key or f"{prefixes[0] if prefixes else ''}{file.name}"
    endpoint = read_environment(env_path)["AWS_ENDPOINT_URL"]
    try:
        Aws(endpoint).client("s3").put_object(Bucket=queue.input_bucket, Key=object_key, Body=file.read_bytes())
    except BotoCoreError as error:
        raise OpsError(
            f"moto_server at {endpoint} does not answer ({error}): is `make local` still running?", ExitCode.UNREACHABLE
        ) from None
    return (
        f"uploaded {file} to s3://{queue.input_bucket}/{object_key} ({name}); "
        f"the results land in s3://{queue.output_bucket}/"
    )


def _pipeline_for(file: Path, suffixes: dict[str, list[str]]) -> str:
    """The one pipeline whose suffixes take `file` (any case, as the event rule matches)."""
    takers = [
        name
        for name, accepted in suffixes.items()
        if not accepted or file.name.lower().endswith(tuple(suffix.lower() for suffix in accepted))
    ]
    if len(takers) == 1:
        return takers[0]
    listed = "; ".join(f"{name}: {', '.join(accepted) or 'any key'}" for name, accepted in suffixes.items())
    problem = "several pipelines take" if takers else "no pipeline takes"
    raise OpsError(f"{problem} {file.name} ({listed}): choose one with --to NAME", ExitCode.USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.upload", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="the file to upload, e.g. local/samples/yelp_businesses.jsonl")
    parser.add_argument("--to", metavar="PIPELINE", help="the batch pipeline (default: the one taking the suffix)")
    parser.add_argument("--key", help="object key (default: the pipeline's first prefix and the file name)")
    parser.add_argument("--stack", default="dev", help="the stack the local system runs (default dev)")
    parser.add_argument(
        "--state-dir",
        default=str(DEFAULT_STATE_DIR),
        help="where `python -m local` wrote its files (default build/local)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
