package shopifytest

import (
	"context"
	"fmt"
	"io"
)

// Serve runs a simulator on addr until ctx ends, for trying passthrough (or anything else)
// against a store that plays by Shopify's rules: `passthrough shopify-sim`. It writes to w
// what the store holds, its URL and token, and the config lines that point passthrough at
// it.
func Serve(ctx context.Context, w io.Writer, addr string, opts ...Option) error {
	srv, err := Start(addr, opts...)
	if err != nil {
		return fmt.Errorf("start the simulator: %w", err)
	}
	defer srv.Close()
	fmt.Fprintf(w, "Shopify simulator for %s: %d orders, %d variants, %d locations\n",
		srv.Domain(), len(srv.OrderIDs()), len(srv.Variants()), len(srv.Locations()))
	fmt.Fprintf(w, "url:   %s\n", srv.URL)
	fmt.Fprintf(w, "token: %s\n", srv.Token)
	fmt.Fprintf(w, "config: shopify: {shop: %s, base_url: %s, access_token: <the token>}\n", srv.Shop, srv.URL)
	<-ctx.Done()
	fmt.Fprintln(w, "stopping")
	return nil
}
