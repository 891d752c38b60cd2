from __future__ import annotations

import json

import pytest

from ecs_workloads.private_bucket import PrivateBucket
from harness.program import run_callable
from harness.recording import Recording


def test_private_encrypted_tls_only_bucket_with_expiry_and_protection():
    recording = run_callable(lambda: PrivateBucket("data", {"protect_data": True, "expiry_days": 30}))
    bucket = recording.one("aws:s3/bucket:Bucket", "data")
    assert bucket.protect and bucket.retain_on_delete and bucket.inputs["forceDestroy"] is False
    block = recording.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    encryption = recording.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    (deny,) = json.loads(recording.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = recording.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert {rule["id"] for rule in rules} == {"abort-incomplete-uploads", "expire-objects"}
    assert [r["expiration"]["days"] for r in rules if r["id"] == "expire-objects"] == [30]


def test_bad_expiry_registers_nothing():
    recording = Recording()
    with pytest.raises(ValueError, match="expiry_days: 0 — an integer from 1 to 3650"):
        run_callable(lambda: PrivateBucket("data", {"expiry_days": 0}), recording=recording)
    assert recording.registrations == []
