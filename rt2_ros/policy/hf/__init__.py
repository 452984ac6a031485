"""The `hf` policy backend: configuration_hf (the dataclass, no heavy imports), processing_hf (checkpoint
checks, prompt, image, action tokens), modeling_hf (HFPolicy: loading and decoding), random_checkpoint."""
