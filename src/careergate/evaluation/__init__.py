"""Model comparison on real tasks: ``careergate eval`` runs a task set against candidate
models through the gateway and reports quality, latency, cost and failures."""
