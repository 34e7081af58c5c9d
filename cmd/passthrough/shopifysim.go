package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// seedFiles collects repeated --seed flags.
type seedFiles []string

func (s *seedFiles) String() string     { return strings.Join(*s, ",") }
func (s *seedFiles) Set(v string) error { *s = append(*s, v); return nil }

// runShopifySim serves the Shopify simulator on its own until the context ends:
//
//	passthrough shopify-sim --addr ADDR [--seed FILE…] [--orders N] [--skus M] [--token T] [--unpaid]
//	    [--webhook-url URL] [--webhook-secret-env VAR] [--webhook-drop-every N] [--webhook-duplicate-every N]
//	    [--webhook-retries N] [--webhook-retry-wait D]
func runShopifySim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shopify-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	var seeds seedFiles
	fs.Var(&seeds, "seed", "a JSON file in Shopify's REST shape ({\"orders\":[…]}, {\"products\":[…]}, {\"locations\":[…]}) to load; repeatable")
	orders := fs.Int("orders", -1, "orders to generate (default 200, or 0 when --seed is given)")
	skus := fs.Int("skus", 50, "SKUs to generate products for")
	locations := fs.Int("locations", 2, "locations to generate")
	token := fs.String("token", "", "the static access token to accept (default: a random one, printed)")
	shop := fs.String("shop", "passthrough-demo", "the shop's name, as in {shop}.myshopify.com")
	plan := fs.String("plan", "standard", "the API budget: standard, advanced, plus or off")
	randomSeed := fs.Uint64("random-seed", 1, "seed for generated data and injected faults")
	unpaid := fs.Bool("unpaid", false, "generate every order awaiting payment (pay one with POST orders/{id}/transactions.json)")
	hookURL := fs.String("webhook-url", "", "send every webhook here too, as an app's configured address does")
	hookSecretEnv := fs.String("webhook-secret-env", "", "the environment variable holding the secret webhooks are signed with")
	dropEvery := fs.Int("webhook-drop-every", 0, "never send every n-th webhook delivery")
	duplicateEvery := fs.Int("webhook-duplicate-every", 0, "send every n-th webhook delivery twice")
	retries := fs.Int("webhook-retries", 3, "how often a failed delivery is tried again")
	retryWait := fs.Duration("webhook-retry-wait", 50*time.Millisecond, "the wait before the first retry; it doubles each time")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}

	opts := []shopifytest.Option{
		shopifytest.WithShop(*shop), shopifytest.WithToken(*token), shopifytest.WithRandomSeed(*randomSeed),
		shopifytest.WithSeedFiles(seeds...),
		shopifytest.WithWebhookFaults(shopifytest.WebhookFaults{DropEvery: *dropEvery, DuplicateEvery: *duplicateEvery}),
		shopifytest.WithWebhookRetries(*retries, *retryWait),
	}
	if *hookURL != "" || *hookSecretEnv != "" {
		secret := os.Getenv(*hookSecretEnv)
		if secret == "" {
			return usagef("webhooks need their secret: --webhook-secret-env names an environment variable that is not set")
		}
		opts = append(opts, shopifytest.WithWebhooks(*hookURL, []byte(secret)))
	}
	switch p, ok := shopifytest.PlanByName(*plan); {
	case *plan == "off":
		opts = append(opts, shopifytest.WithoutRateLimits())
	case ok:
		opts = append(opts, shopifytest.WithPlan(p))
	default:
		return usagef("--plan %q is not one of standard, advanced, plus, off", *plan)
	}
	n := *orders
	if n < 0 {
		n = 200
		if len(seeds) > 0 {
			n = 0
		}
	}
	if n > 0 || len(seeds) == 0 {
		if *skus < 1 || *locations < 1 {
			return usagef("--skus and --locations must be at least 1")
		}
		opts = append(opts, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: n, SKUs: *skus, Locations: *locations, Seed: *randomSeed, Unpaid: *unpaid}))
	}

	return shopifytest.Serve(ctx, stdout, *addr, opts...)
}
