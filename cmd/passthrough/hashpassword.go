package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/passthrough-dev/passthrough/portal"
)

// runHashPassword reads a password from stdin and prints its hash for the
// portal.users[].password_hash field of the config, so no password is ever written down.
func runHashPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usagef("hash-password takes no arguments; type the password on stdin")
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return usagef("empty password")
	}
	h, err := portal.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	fmt.Fprintln(stdout, h)
	return nil
}
