package main

import (
	"context"
	"errors"
	"io"
)

// runDemo is not written yet; the issue that builds this command replaces this file.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not built yet")
}
