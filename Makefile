# Wyrm — the two commands a newcomer needs:
#   make demo   install Chromium + chromedriver if missing, build, scrape the bundled sample portal
#   make test   the same setup, then the whole test suite (unit + end-to-end with a real browser)

SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
CARGO ?= cargo

.PHONY: all setup build demo test lint bench fmt

all: build

## setup: install Debian's Chromium and ChromeDriver when they are missing
setup:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "Chromium and chromedriver found: $$(chromium --version 2>/dev/null | head -n1)"; \
	else \
		echo "Installing Chromium and chromedriver with apt…"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

build:
	$(CARGO) build

## demo: serve the bundled sample portal on 127.0.0.1 and scrape it into output/demo
demo: setup
	$(CARGO) run -- demo

## test: the whole suite (end-to-end tests drive a real headless Chromium)
test: setup
	$(CARGO) test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

## bench: concurrency benchmark on the sample portal (prints a table)
bench: setup
	$(CARGO) run --release -- bench
