# nianbao — the two commands a new user needs are `make demo` and `make test`.
CARGO ?= cargo
export NIANBAO_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: help setup demo test fmt lint unit build bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## install the system packages and Python tools the tests use
	bash scripts/setup.sh

build: ## build every binary
	$(CARGO) build --workspace

demo: build ## run the main job (the demo city on embedded SQLite)
	$(CARGO) run -q -p nianbao-cli -- check demo/shangdang-sifaju-2023.json

fmt: ## format the code
	$(CARGO) fmt --all

lint: ## format check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## all tests
	$(CARGO) nextest run --workspace --no-fail-fast

test: setup lint unit ## everything CI runs

bench: ## benchmarks (numbers go to BENCHMARKS.md)
	$(CARGO) bench --workspace
