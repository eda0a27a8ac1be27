# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Tests run in parallel, one process per core (at most 4): each has its own database and SeaweedFS.
PYTEST_ARGS ?= -q -n auto --maxprocesses 4

.PHONY: demo test lint venv browser-tools studio-css bench-audio

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

## Install, migrate the embedded SQLite database, seed the demo show and serve it, with a
## job consumer in threads of the server (QUEUE_IN_PROCESS=1; README, Background jobs).
demo: venv
	$(BIN)/pip install --quiet -e '.[demo]'
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo
	QUEUE_IN_PROCESS=1 $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## Install the test dependencies, then lint and run the whole suite.
test: venv browser-tools
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## oggenc (vorbis-tools) makes Ogg Vorbis test audio; PyAV's wheel has no Vorbis encoder.
## The cluster test runs Debian's nginx-light in front of the app; backups need pg_dump of
## the server's major version (PostgreSQL 15). Browser tests need Chromium (Debian's;
## Playwright cannot download one here), Java for the Nu Html Checker, and axe-core + vnu-jar from npm (package-lock.json). As root, missing
## system packages are installed; otherwise the browser tests say what is missing.
browser-tools:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v oggenc >/dev/null || missing="$$missing vorbis-tools"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v pg_dump >/dev/null || missing="$$missing postgresql-client-15"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; fi

## Rebuild the studio's vendored Designsystemet CSS and its Malmö theme from npm
## (design/refresh-designsystemet.sh). The result is committed; the app never runs npm.
studio-css:
	npm run -s studio-css

## The audio benchmark (bench/audio_bench.py) compares against Debian's ffmpeg program,
## which nothing else needs; as root it is installed when missing. Not part of CI.
bench-audio: venv
	@command -v ffmpeg >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg; }
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python bench/audio_bench.py
