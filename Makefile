# The README's commands.
.PHONY: demo test
demo:
	bash scripts/run-demo.sh
test:
	bash scripts/test.sh
