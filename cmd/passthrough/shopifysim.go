package main

import (
	"context"
	"errors"
	"io"
)

// runShopifySim is not written yet; the issue that builds this command replaces this file.
func runShopifySim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
