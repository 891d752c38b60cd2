"""Queue-driven batch worker: S3 object events arrive on SQS, each object is streamed through a
processor, results are written to the output bucket. Run with `python -m batch_worker`."""
