# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# One core busy elsewhere makes oversubscribed torch 50x slower: pin threads.
export OMP_NUM_THREADS ?= 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# Settings with DEBUG off refuse to start without a secret key (the development
# key is in the repository). The commands here (all but the tests, which use the
# development key) get one of this checkout's own when neither SECRET_KEY nor
# SECRET_KEY_FILE is set: made once in var/secret-key (git-ignored, mode 600) and
# passed as SECRET_KEY_FILE, which a SECRET_KEY in .env overrides. So `make serve`
# and `DEBUG=0 make run` try production settings locally; production sets
# SECRET_KEY itself, one for every server (docs/operations.md).
LOCAL_KEY := var/secret-key
ifeq ($(SECRET_KEY)$(SECRET_KEY_FILE),)
KEY := SECRET_KEY_FILE=$(CURDIR)/$(LOCAL_KEY)
NEEDS_KEY := $(LOCAL_KEY)
endif

.PHONY: install run serve worker worker-training beat migrate index superuser train test test-postgres screenshots og-image widget lint bench bench-speed bench-ann bench-splits bench-answerability bench-languages bench-reader bench-longrun bench-questionlog bench-migrations clean

install: $(STAMP)

# torch first, on its own line: it must come from the local CPU wheel.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP) | $(NEEDS_KEY)
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

index: migrate
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) manage.py search_rebuild --sync

# Teach the assistant the site: the owner's example questions, training pairs,
# a fine-tune that is activated only if it beats the current model on the dev
# split (then the index is rebuilt with it). About 10 minutes on a shared 2-core
# machine (9 min 34 s measured; up to ~40 when other jobs load the cores:
# `make bench-speed PARTS=training` times a step; docs/admin.md, "Training runs").
train: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) manage.py search_finetune

run: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

# The owner's account for /admin/ (asks for a name, an email and a password), with the
# same settings as `make run`: a bare `manage.py` has DEBUG off and so wants a secret key.
superuser: migrate
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) manage.py createsuperuser

# Production-style server (DEBUG off, whitenoise, gunicorn).
serve: migrate
	$(KEY) $(PY) manage.py collectstatic --noinput -v0
	$(KEY) $(PY) manage.py search_rebuild --sync
	$(KEY) $(BIN)/gunicorn bambicim.wsgi --bind $(HOST):$(PORT) --workers 2

# A real Celery worker on REDIS_URL (set it, e.g. redis://127.0.0.1:6379/0).
worker: migrate
	$(KEY) DEBUG=$${DEBUG:-1} $(BIN)/celery -A bambicim worker --loglevel=info --concurrency=1

# Training runs on a worker of their own, so index builds never wait behind one: set
# SEARCH_TRAINING_QUEUE=training for the web process and both workers, then run this
# beside `make worker` (docs/operations.md, "Training on a worker of its own").
worker-training: migrate
	$(KEY) DEBUG=$${DEBUG:-1} $(BIN)/celery -A bambicim worker --loglevel=info --concurrency=1 \
		-Q $${SEARCH_TRAINING_QUEUE:-training} -n training@%h

beat: migrate
	$(KEY) DEBUG=$${DEBUG:-1} $(BIN)/celery -A bambicim beat --loglevel=info

# The suite picks its brokers itself (TEST_REDIS_URL for the Celery tests): a REDIS_URL
# (exported or in .env) or an exported CELERY_BROKER_URL must not put every test on one.
# It runs in TEST_PROCESSES processes (pytest-xdist), each with its own test database and
# Redis database; `--dist load` hands each process the tests in the suite's own order
# (pytest-django's: tests in a transaction before those that empty the database), so a
# process never meets a test before one the whole suite runs after it. TEST_PROCESSES=0:
# one process.
TEST_PROCESSES ?= 2
XDIST = $(if $(filter 0,$(TEST_PROCESSES)),,-n $(TEST_PROCESSES) --dist load)
test: $(STAMP)
	env -u CELERY_BROKER_URL REDIS_URL= $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# docs/screenshots/ (the README's pictures), taken by the real-browser tests:
# the site and widget tests that save a picture (marker `screenshot`, set on any
# test using the `screenshots` fixture), desktop and phone (390×844).
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/browser -m screenshot -q

# static/img/og-image.png, the 1200×630 picture beside a shared link (commit it).
og-image: $(STAMP) | $(NEEDS_KEY)
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) tools/og_image.py

# site_assistant/static/site_assistant/widget.min.js and widget.min.css, the script and
# stylesheet the templates serve, from widget.js and widget.css (commit all four;
# tests/site_assistant/test_widget.py fails while they differ).
widget: $(STAMP)
	$(PY) tools/minify_widget.py

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} env -u CELERY_BROKER_URL REDIS_URL= $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/run.py
	$(KEY) $(PY) bench/speed.py
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/ann.py

# What a question costs: in-process search() vs the naive path, HTTP through
# gunicorn at 1/8/16/32 clients, 60 s at 32 clients with a rebuild halfway,
# process start and RSS, build throughput,
# and RSS around a short training run (docs/benchmarks.md).
# PARTS="latency http load process build scaleout training" (default: all).
bench-speed: index
	$(KEY) $(PY) bench/speed.py $(PARTS)

# Months of running: BENCH_BUILDS (150) rebuilds after small template edits in one
# long-lived process while another answers BENCH_QUESTIONS (10000) questions:
# disk (versions, embedding cache, build rows) and RSS slopes; a real Celery worker
# doing WORKER_BUILDS (50); the daily purge's RSS (docs/operations.md).
# PARTS="builder worker purge" (default: all; the worker needs Redis, BENCH_REDIS_URL).
# About 10 minutes on 2 shared cores (docs/operations.md, "Months of running").
bench-longrun: | $(NEEDS_KEY)
	$(KEY) $(PY) bench/longrun.py $(PARTS)

# A busy site's questions log: N=100000 adds that many realistic questions to the
# database of DATABASE_URL (a scratch PostgreSQL database: it is written to), then
# every admin page, command and API call that reads or writes the log is timed,
# with its query count and slowest query (docs/operations.md).
bench-questionlog: | $(NEEDS_KEY)
	$(if $(N),$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/questionlog.py seed $(N))
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/questionlog.py measure

# An upgrade on a busy questions log: site_assistant migrated back to BACK
# (0015_embedding_cache_used) and forward one migration at a time on the database of
# DATABASE_URL (a scratch PostgreSQL one, filled by bench-questionlog N=…) while
# another process logs a question every 50 ms; how long each insert waited.
bench-migrations: | $(NEEDS_KEY)
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/migrations.py $(if $(BACK),--back $(BACK))

# Flat vs approximate FAISS indexes on synthetic vectors shaped like the model's
# embeddings: build time, memory, p50 at 1 thread, recall@10 (docs/benchmarks.md).
# SIZES="10000 100000 1000000" (default; about 15 minutes with 1M); APP=100000 also
# times the app's blended search over that many passages with their sentences and
# questions (APP alone, SIZES unset: only that, about 6 minutes).
bench-ann: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/ann.py $(SIZES) $(if $(APP),--app $(APP))

# Whether a small classifier over more features than the score decides "not
# sure" better than the calibrated threshold (docs/quality.md). A few minutes.
bench-answerability: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/answerability.py

# The language identifier on visitors' short questions, per language: declined and
# logged right (docs/quality.md), then on the live index's passages and pages
# (docs/sources.md). Under a minute; STACKFAQ=DIR adds a BEIR folder's queries to the
# English lines the decline threshold is tried on.
bench-languages: index
	$(KEY) DEBUG=$${DEBUG:-1} $(if $(STACKFAQ),STACKFAQ=$(STACKFAQ)) $(PY) bench/languages.py

# Whether a small cross-encoder, trained here on the site's own questions from
# the base model's weights, reads "not sure" better than the threshold
# (docs/quality.md). About 35 minutes on 2 shared cores (23 of them training);
# STACKFAQ=DIR also reads a BEIR folder's queries (about an hour in all).
bench-reader: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/reader.py $(if $(STACKFAQ),--stackfaq $(STACKFAQ))

# The guarded fine-tune on several dev splits (a few minutes each): is a change more than split noise?
bench-splits: index
	$(KEY) DEBUG=$${DEBUG:-1} $(PY) bench/splits.py $(if $(SEEDS),--seeds $(SEEDS))

$(LOCAL_KEY): | $(STAMP)
	mkdir -p $(@D)
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

clean:
	rm -rf $(VENV) var .pytest_cache
