"""The tags every stack puts on every taggable resource, through the AWS provider's default tags.

No imports: the policy pack reads these too, without loading the stack's settings models.
"""

DEFAULT_TAGS_KEY = "aws:defaultTags"
"""The stack config key of the AWS provider's default tags: `{"tags": {<key>: <value>, ...}}`."""

REQUIRED_TAGS = ("project", "stack", "environment")
"""The tag keys every taggable resource carries; `stack` is the Pulumi stack's name."""
