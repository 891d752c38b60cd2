"""`ecs-workloads import copilot DIR`: an AWS Copilot application's manifests as a stack file of this program.

One concept a module: `manifests` reads the manifests and applies an environment's overrides the way Copilot
merges them, `rules` declares once what becomes of every manifest field (mapped, approximated or
unsupported, and why), `mappers` turns each workload type and the environment into stack config,
`report` lists every field with its outcome, and `stack_writer` writes `Pulumi.<stack>.yaml`.
"""
