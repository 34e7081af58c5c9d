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

# Every fuzz target, as package:Name; test-reliability gives each FUZZTIME of fuzzing.
FUZZ_TARGETS = ./mapping:FuzzLoad ./mapping:FuzzEval ./mapping:FuzzMapOrder ./record:FuzzDecodeOrder ./config:FuzzParse \
	./adapters/shopify:FuzzVerifyWebhook ./record:FuzzReadOrder
FUZZTIME  ?= 1m
# The benchmarks behind the figures of `make bench`, and their packages.
BENCH      = ^(BenchmarkMapOrderTypical|BenchmarkDecodeAndMapOrder|BenchmarkBackfillCalls|BenchmarkLocationsCost|BenchmarkCompletenessCheck|BenchmarkCatalogRead|BenchmarkOrderStage|BenchmarkOrderStageCustomerTables|BenchmarkInventoryFullPass|BenchmarkInventoryFeedFullPassAndOnePercentChange|BenchmarkOrderList|BenchmarkOrdersPipeline|BenchmarkBackfillMemory|BenchmarkLockAcquireRelease|BenchmarkFailover|BenchmarkReplicaThroughput|BenchmarkOrderLatency|BenchmarkWebhookReceiver)$$
BENCH_PKGS = ./mapping ./adapters/erp/erpsqlite ./adapters/erp/erppostgres ./adapters/erp/erpmssql ./adapters/shopify ./feeds ./portal ./reliability

test-reliability: ## Run the long reliability suite (100 kills per feed and database, 3 minutes of replicas killed, outages, bad inputs) and fuzz each target for FUZZTIME
	PASSTHROUGH_TEST_PG_DSN="$$(./scripts/test-postgres.sh)" PASSTHROUGH_RELIABILITY=long $(GO) test -race -timeout 60m -run 'Reliability' ./reliability
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzzing $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

bench: ## Print every benchmark figure (mapping, pipeline, staging, Shopify calls, stock calls, memory, portal, locks, failover, replicas, webhook latency and receiver) and a table of them
	PASSTHROUGH_TEST_PG_DSN="$$(./scripts/test-postgres.sh)" $(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -benchmem -timeout 45m $(BENCH_PKGS) 2>&1 \
		| $(GO) run ./reliability/benchtable

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
