# The two commands of the README. Each installs what is missing first (scripts/setup.sh is idempotent).
.PHONY: demo test setup

# The demo pipeline on data/example/: regions, pre-training, fine-tuning, interpretation, report.
demo:
	scripts/setup.sh
	$(MAKE) -C pipeline demo

# The whole test suite (Rust tests with Python oracles, pipeline and Slurm end-to-end tests).
test:
	scripts/test.sh

setup:
	scripts/setup.sh --test
