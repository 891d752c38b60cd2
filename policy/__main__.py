"""`pulumi preview --policy-pack policy`: the guardrails as a Pulumi policy pack.

The CLI runs this file with the pack's directory on `sys.path`; the rules are imported as the `policy`
package, as the tests and the offline evaluation import them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policy.pack import PACK_NAME, build_policies, context_from_environment

if __name__ == "__main__":
    # Serves the policies to the engine until the CLI stops the process.
    PolicyPack(
        PACK_NAME,
        policies=build_policies(context_from_environment()),
        description="Security Hub and Control Tower controls for ECS Fargate workloads, ALBs, S3, SQS and IAM.",
    )
