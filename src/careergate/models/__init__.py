"""The model catalogue: what each snapshot can do, the aliases that name a task's model,
their canaries, and per-feature model policies."""
