"""Closed-loop evaluation of a policy by generalisation category: through the node graph, or in process."""
