"""The experimentation framework: experiment definitions, results and their reports."""
