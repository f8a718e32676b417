# Wyrm — the two commands a newcomer needs:
#   make demo   install Chromium + chromedriver if missing, build, scrape the bundled sample portal
#   make test   the same setup, then the whole test suite (unit + end-to-end with a real browser)

SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
CARGO ?= cargo
# The Selenium server jar for the Grid tests and benchmark, from the npm registry.
SELENIUM_PKG := @nightwatch/selenium-server@4.20.0
SELENIUM_JAR := .cache/selenium/selenium-server.jar

.PHONY: all setup grid-setup build demo test lint bench fmt

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

## grid-setup: Java (apt, when missing) and the Selenium server jar (npm, cached in .cache/)
grid-setup: $(SELENIUM_JAR)
	@command -v java >/dev/null 2>&1 || { \
		echo "Installing Java with apt…"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq default-jre-headless; }

$(SELENIUM_JAR):
	@command -v npm >/dev/null 2>&1 || { \
		echo "Installing npm with apt (to fetch the Selenium server jar)…"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	mkdir -p .cache/selenium/pack
	cd .cache/selenium/pack && npm pack --silent $(SELENIUM_PKG) && tar xzf *.tgz
	cp .cache/selenium/pack/package/lib/selenium-server-*.jar $(SELENIUM_JAR)
	rm -rf .cache/selenium/pack

build:
	$(CARGO) build

## demo: serve the bundled sample portal on 127.0.0.1 and scrape it into output/demo
demo: setup
	$(CARGO) run -- demo

## test: the whole suite (end-to-end tests drive a real headless Chromium)
test: setup grid-setup
	$(CARGO) test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

## bench: concurrency benchmark on the sample portal (prints a table)
bench: setup grid-setup
	$(CARGO) bench --bench concurrency
	$(CARGO) bench --bench resume_info
