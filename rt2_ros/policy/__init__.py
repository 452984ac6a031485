"""VLA policies: one interface, several backends (hf, remote, tiny, scripted)."""
