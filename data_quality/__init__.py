"""Data-quality gates (SPEC §8): suites in suites.py, config in gates.yml, runner in runner.py."""
