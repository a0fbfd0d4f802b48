"""The experimentation framework: experiment definitions, the statistics engine, results and their reports."""
