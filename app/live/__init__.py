"""Live job state for subscribers: one LISTEN connection per API process, fanned out."""
