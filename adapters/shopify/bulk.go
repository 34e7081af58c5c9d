package shopify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A bulk operation runs one query over a whole store in Shopify's background: no pages and
// no cost per object (starting it costs 10 points, each look at its status 1), a result of
// one JSON object per line behind a signed URL. One bulk query runs at a time per app and
// store. How long Shopify takes is not documented and varies; the client polls, with
// growing pauses, for at most bulkMaxWait.

const bulkRunMutation = `mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}`

// From 2026-01 an operation is looked up by id; before, only the app's most recent one.
const (
	bulkPollByID    = `query BulkOperation($id: ID!) { bulkOperation(id: $id) { id status errorCode url } }`
	bulkPollCurrent = `{ currentBulkOperation { id status errorCode url } }`
)

const (
	bulkPollFirst   = time.Second
	bulkPollMax     = 10 * time.Second
	bulkMaxWait     = time.Hour
	downloadTimeout = 15 * time.Minute
	downloadName    = "GET bulk result" // its name in Stats
)

// bulkOperation is the part of a BulkOperation the client reads.
type bulkOperation struct {
	ID        string  `json:"id"`
	Status    string  `json:"status"`
	ErrorCode *string `json:"errorCode"`
	URL       *string `json:"url"`
}

// runBulkQuery starts a bulk query and waits until it has finished. It returns the URL of
// the result, "" when the query found nothing.
func (c *Client) runBulkQuery(ctx context.Context, query string) (string, error) {
	var start struct {
		Run struct {
			Op         *bulkOperation `json:"bulkOperation"`
			UserErrors []struct {
				Message string `json:"message"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	err := c.call(ctx, "POST graphql bulkOperationRunQuery", func() error {
		return c.gs.GraphQL.Query(ctx, bulkRunMutation, map[string]any{"query": query}, &start)
	})
	if err != nil {
		return "", fmt.Errorf("start bulk query: %w", err)
	}
	if ues := start.Run.UserErrors; len(ues) > 0 {
		msgs := make([]string, 0, len(ues))
		for _, ue := range ues {
			msgs = append(msgs, ue.Message)
		}
		return "", fmt.Errorf("start bulk query: Shopify refused it: %s", strings.Join(msgs, "; "))
	}
	if start.Run.Op == nil {
		return "", errors.New("start bulk query: Shopify answered without an operation")
	}
	id := start.Run.Op.ID
	began := c.clock.Now()
	pause := bulkPollFirst
	for {
		if err := c.clock.Sleep(ctx, pause); err != nil {
			return "", err
		}
		op, err := c.pollBulk(ctx, id)
		if err != nil {
			return "", err
		}
		switch op.Status {
		case "COMPLETED":
			if op.URL == nil {
				return "", nil
			}
			return *op.URL, nil
		case "CREATED", "RUNNING":
		default: // FAILED, CANCELED, CANCELING, EXPIRED
			code := ""
			if op.ErrorCode != nil {
				code = " (" + *op.ErrorCode + ")"
			}
			return "", fmt.Errorf("bulk query %s ended %s%s", id, op.Status, code)
		}
		if waited := c.clock.Now().Sub(began); waited > bulkMaxWait {
			return "", fmt.Errorf("bulk query %s still %s after %s", id, op.Status, waited.Round(time.Second))
		}
		pause = min(pause*3/2, bulkPollMax)
	}
}

// pollBulk reads the operation's status.
func (c *Client) pollBulk(ctx context.Context, id string) (bulkOperation, error) {
	var resp struct {
		ByID    *bulkOperation `json:"bulkOperation"`
		Current *bulkOperation `json:"currentBulkOperation"`
	}
	query, vars := bulkPollCurrent, map[string]any(nil)
	if versionAtLeast(c.version, "2026-01") {
		query, vars = bulkPollByID, map[string]any{"id": id}
	}
	err := c.call(ctx, "POST graphql bulkOperation", func() error { return c.gs.GraphQL.Query(ctx, query, vars, &resp) })
	if err != nil {
		return bulkOperation{}, fmt.Errorf("read bulk query %s: %w", id, err)
	}
	op := resp.ByID
	if op == nil {
		op = resp.Current
	}
	if op == nil || op.ID != id {
		return bulkOperation{}, fmt.Errorf("read bulk query %s: Shopify no longer has it", id)
	}
	return *op, nil
}

// download reads a bulk result line by line into each. The URL is signed storage off the
// Admin API: it gets no access token and no pacing, and is never logged (it grants access
// to the data for days). A lost connection or a 5xx is tried again from the start, after
// restart, so each sees every line once per attempt.
func (c *Client) download(ctx context.Context, resultURL string, restart func(), each func(line []byte)) error {
	hc := &http.Client{Transport: c.tr.next}
	for attempt := 1; ; attempt++ {
		restart()
		retry, err := c.downloadOnce(ctx, hc, resultURL, attempt, each)
		if err == nil {
			return nil
		}
		if !retry || attempt >= c.tr.maxAttempts || ctx.Err() != nil {
			c.tr.count(downloadName, EndpointStats{Failures: 1})
			return err
		}
		if err := c.tr.backoff(ctx, downloadName, attempt, err.Error(), 0); err != nil {
			return err
		}
	}
}

func (c *Client) downloadOnce(ctx context.Context, hc *http.Client, resultURL string, attempt int, each func([]byte)) (retry bool, err error) {
	actx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, resultURL, nil)
	if err != nil {
		return false, errors.New("download bulk result: the URL Shopify gave is not a URL")
	}
	c.tr.count(downloadName, EndpointStats{Calls: 1, Retries: b2i(attempt > 1)})
	resp, err := hc.Do(req)
	if err != nil {
		c.tr.count(downloadName, EndpointStats{NetworkErrors: 1})
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the signed URL
		}
		return true, fmt.Errorf("download bulk result: %w", &retryableError{err})
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode >= 500 {
			c.tr.count(downloadName, EndpointStats{ServerErrors: 1})
		}
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return retry, fmt.Errorf("download bulk result: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if line := sc.Bytes(); len(bytes.TrimSpace(line)) > 0 {
			each(line)
		}
	}
	if err := sc.Err(); err != nil {
		return true, fmt.Errorf("read bulk result: %w", &retryableError{err})
	}
	return false, nil
}
