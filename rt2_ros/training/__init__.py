"""Training the tiny VLA: the run's configuration, batches from the data caches, one loop (DDP by torchrun)."""
