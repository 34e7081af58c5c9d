package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// A feed's view of the client: orders page by page, against the simulator, paced by a
// virtual clock so the example takes no time.
func ExampleClient_OrderPages() {
	clock := shopify.NewVirtualClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	srv := shopifytest.NewServer(shopifytest.WithClock(clock), shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 600, SKUs: 20, Seed: 1}))
	defer srv.Close()

	client, err := shopify.New(shopify.Config{
		Shop: srv.Shop, BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: srv.Token, Clock: clock,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	err = client.OrderPages(ctx, shopify.OrderQuery{}, func(pg shopify.OrderPage) error {
		page := pg.Orders
		problems := 0
		for _, o := range page {
			if o.Err != nil {
				problems++ // record it on that order and carry on
			}
		}
		fmt.Printf("a page of %d orders, %d unreadable\n", len(page), problems)
		return nil
	})
	fmt.Println("done:", err)

	_, err = client.Order(ctx, 1)
	fmt.Println("order 1 not found:", errors.Is(err, shopify.ErrNotFound))
	fmt.Println("calls:", client.Stats().Total().Calls)
	// Output:
	// a page of 250 orders, 0 unreadable
	// a page of 250 orders, 0 unreadable
	// a page of 100 orders, 0 unreadable
	// done: <nil>
	// order 1 not found: true
	// calls: 4
}

// Setting stock: one result per quantity; problems stay on their quantity.
func ExampleClient_SetInventory() {
	clock := shopify.NewVirtualClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	srv := shopifytest.NewServer(shopifytest.WithClock(clock), shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 300, Locations: 3, Seed: 1}))
	defer srv.Close()
	client, err := shopify.New(shopify.Config{Shop: srv.Shop, BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: srv.Token, Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	catalog, err := client.Catalog(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	locations, err := client.Locations(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	var qs []shopify.InventoryQuantity
	for _, v := range catalog.Variants() {
		if !v.Tracked() {
			continue
		}
		for _, l := range locations {
			qs = append(qs, shopify.InventoryQuantity{InventoryItemID: v.InventoryItemID, LocationID: l.ID, Quantity: 5})
		}
	}
	before := client.Stats()["POST graphql"].Calls // the catalog's: a count and two pages
	results, err := client.SetInventory(ctx, qs)
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
		}
	}
	fmt.Printf("%d levels, %d failed, %v, %d GraphQL calls\n", len(results), failed, err, client.Stats()["POST graphql"].Calls-before)
	// Output:
	// 900 levels, 0 failed, <nil>, 4 GraphQL calls
}
