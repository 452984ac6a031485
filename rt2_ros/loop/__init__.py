"""The closed loop run as node processes and driven episode by episode (demo, soak, graph eval)."""
