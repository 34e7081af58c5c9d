# passthrough — run `make help` for the list of targets.

GO        ?= go
PKGS      ?= ./...
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The tests' own servers: started (and installed from Debian's packages when missing) by the
# scripts below, found by the tests through these variables.
TEST_ENV   = PASSTHROUGH_TEST_PG_DSN="$$(./scripts/test-postgres.sh)" PASSTHROUGH_TEST_CHROMIUM="$$(./scripts/test-chromium.sh)"

.PHONY: help demo build test test-unit test-reliability bench lint fmt mapping-test clean

help: ## List the targets with one line each
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: ## Run everything on embedded defaults: SQLite ERP, Shopify simulator, portal
	$(GO) run ./cmd/passthrough demo

build: ## Build the passthrough binary into bin/
	$(GO) build -o bin/passthrough ./cmd/passthrough

test: lint ## Run every test: lint, unit and integration tests with -race, mapping tests
	$(TEST_ENV) $(GO) test -race -timeout 12m $(PKGS)
	$(GO) run ./cmd/passthrough mapping test mappings

test-unit: ## Run the tests that need no PostgreSQL or Chromium (the others skip)
	$(GO) test -race $(PKGS)

test-reliability: ## Run the long reliability suite (kill -9 loops, outages, fuzzing)
	$(TEST_ENV) PASSTHROUGH_RELIABILITY=long $(GO) test -race -timeout 60m -run 'Reliability|Fuzz' $(PKGS)

bench: ## Print every benchmark figure (mapping, pipeline, staging, Shopify calls, memory)
	PASSTHROUGH_TEST_PG_DSN="$$(./scripts/test-postgres.sh)" $(GO) test -run '^$$' -bench . -benchmem $(PKGS)

lint: ## go vet, gofmt and staticcheck
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(STATICCHECK) $(PKGS)

fmt: ## Format the code
	gofmt -w $$(git ls-files '*.go')

mapping-test: ## Run the mapping tests in mappings/tests
	$(GO) run ./cmd/passthrough mapping test mappings

clean: ## Remove build output and the demo database
	rm -rf bin passthrough-demo.db*
