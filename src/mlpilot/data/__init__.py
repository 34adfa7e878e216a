"""Read tables, infer their schema and the learning task."""
