# nianbao — the two commands a new user needs are `make demo` and `make test`.
CARGO ?= cargo
export NIANBAO_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: help setup demo test fmt lint unit build bench deploy-check backup-restore-test crash-full fuzz-smoke fuzz-long snapshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## install the system packages (fonts, poppler, LibreOffice) and Python tools the tests use
	NIANBAO_SETUP_LIBREOFFICE=1 bash scripts/setup.sh

build: ## build every binary
	$(CARGO) build --workspace --bins

demo: ## run the main job: the demo city end to end on embedded SQLite, documents into ./out/
	NIANBAO_SETUP_PYTHON=0 bash scripts/setup.sh
	$(CARGO) build -p nianbao-cli
	./target/debug/nianbao demo --out out

fmt: ## format the code
	$(CARGO) fmt --all

lint: ## format check and clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## all tests; those that need the published-report corpus skip without it, and are counted
	@bash scripts/skipped.sh reset
	$(CARGO) nextest run --workspace --no-fail-fast
	@bash scripts/skipped.sh

deploy-check: ## lint and validate deploy/ (Dockerfile, kustomize, checkov, compose); tools from PyPI into .venv-deploy/
	bash scripts/deploy-check.sh

backup-restore-test: build ## dump, restore into a fresh PostgreSQL database and compare every revision
	NIANBAO_BIN=target/debug/nianbao REPORT_JSON=demo/shangdang-sifaju-2023.json bash scripts/test-backup-restore.sh

test: setup lint unit deploy-check backup-restore-test ## everything CI runs; ends with the count of skipped tests
	@bash scripts/skipped.sh

bench: ## benchmarks (numbers go to BENCHMARKS.md)
	$(CARGO) bench --workspace

crash-full: ## crash safety at full size: 32 clients, 50 SIGKILLs, SQLite and PostgreSQL (about 20 minutes)
	NIANBAO_CRASH_FULL=1 $(CARGO) test -p nianbao-cli --test crash -- --nocapture

fuzz-smoke: ## every fuzz target briefly (nightly toolchain and cargo-fuzz)
	bash scripts/fuzz-smoke.sh 10

fuzz-long: ## every fuzz target to 1 000 000 executions, inputs <= 64 KB, 1 s and 512 MB limits, nice 19 (hours)
	bash scripts/fuzz-long.sh

snapshots: ## refresh the PNG pictures of the rendered documents in docs/
	bash scripts/snapshots.sh
