package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bulk query operations: bulkOperationRunQuery starts one, Shopify runs the query in the
// background over the whole result (no pages, no cost per object), the client polls the
// operation, and reads the result from a signed URL as JSONL, one object per line. The
// mutation costs 10 points and each poll 1, whatever the result holds. One bulk query runs
// at a time per app and shop.
//
// How fast Shopify works through a bulk query is not documented and varies a great deal
// in reports, from seconds to hours; the simulator takes a start-up time plus a fixed time
// per object (SetBulkSpeed), on its clock, so a benchmark states its assumption.

// bulkOp is one bulk query operation.
type bulkOp struct {
	id        int64
	query     string
	createdAt time.Time
	startedAt time.Time // the first object
	doneAt    time.Time
	rate      float64 // objects a second
	objects   int
	result    []byte // JSONL
	failure   string // the errorCode it ends with, or ""
	signature string // the result URL's, in place of an access token
}

// Default bulk speed [unverified]: see SetBulkSpeed.
const (
	defaultBulkRate  = 1000 // objects per second
	defaultBulkStart = time.Second
)

// SetBulkSpeed sets how fast bulk queries run: start is the time before the first object,
// then objectsPerSecond. The default, 1 s and 1,000 objects/s, is an assumption; Shopify
// documents no figure.
func (s *Server) SetBulkSpeed(objectsPerSecond float64, start time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bulkRate, s.bulkStart = objectsPerSecond, start
}

// FailBulkOperations makes the bulk queries started from now on end FAILED with errorCode
// (e.g. INTERNAL_SERVER_ERROR, TIMEOUT) and no result; "" switches it off.
func (s *Server) FailBulkOperations(errorCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bulkFailure = errorCode
}

// status is the operation's status at now.
func (op *bulkOp) status(now time.Time) string {
	switch {
	case now.Before(op.doneAt):
		return "RUNNING"
	case op.failure != "":
		return "FAILED"
	}
	return "COMPLETED"
}

// bulkDoc is the BulkOperation object at now. UnsignedInt64 values are strings in
// GraphQL answers. The caller holds s.mu.
func (s *Server) bulkDoc(op *bulkOp, now time.Time) map[string]any {
	status := op.status(now)
	count := op.objects
	if status == "RUNNING" {
		count = min(op.objects, int(math.Floor(max(0, now.Sub(op.startedAt).Seconds())*op.rate)))
	}
	doc := map[string]any{
		"id": gid("BulkOperation", op.id), "status": status, "errorCode": nil, "type": "QUERY", "query": op.query,
		"createdAt": gqlTime(op.createdAt), "completedAt": nil,
		"objectCount": strconv.Itoa(count), "rootObjectCount": strconv.Itoa(count),
		"fileSize": nil, "url": nil, "partialDataUrl": nil,
	}
	switch status {
	case "FAILED":
		doc["errorCode"] = op.failure
	case "COMPLETED":
		doc["completedAt"] = gqlTime(op.doneAt)
		if op.objects > 0 { // an empty result has no file
			doc["fileSize"] = strconv.Itoa(len(op.result))
			doc["url"] = fmt.Sprintf("%s/bulk-results/%d.jsonl?signature=%s", s.URL, op.id, op.signature)
		}
	}
	return doc
}

// bulkOperationRunQuery starts a bulk query. It returns the payload; what is wrong with the
// query is a userError, as on Shopify. The caller holds s.mu.
func (s *Server) bulkOperationRunQuery(f *gqlField, vars map[string]any) map[string]any {
	fail := func(code, msg string) map[string]any {
		return map[string]any{"bulkOperation": nil, "userErrors": []any{userError(code, msg, "query")}}
	}
	now := s.clock.Now()
	if cur := s.bulkQuery; cur != nil && cur.status(now) == "RUNNING" {
		// [unverified] the wording.
		return fail("OPERATION_IN_PROGRESS", fmt.Sprintf("A bulk query operation for this app and shop is already in progress: %s.", gid("BulkOperation", cur.id)))
	}
	q := asString(argValue(f, "query", vars))
	doc, err := parseGraphQL(q)
	if err != nil {
		return fail("INVALID", "Invalid bulk query: "+err.Error())
	}
	if len(doc.ops) != 1 || doc.ops[0].kind != "query" {
		return fail("INVALID", "Invalid bulk query: give exactly one query operation.")
	}
	op := doc.ops[0]
	if gerr := validateSelection("QueryRoot", op.sel); gerr != nil {
		return fail("INVALID", "Invalid bulk query: "+gerr.Message)
	}
	if len(op.sel) != 1 || op.sel[0].name != "productVariants" {
		return fail("INVALID", "Invalid bulk query: the simulator runs bulk queries on productVariants only.")
	}
	root := op.sel[0]
	ids, _, _, gerr := s.matchingVariants(root, nil)
	if gerr != nil {
		return fail("INVALID", "Invalid bulk query: "+gerr.Message)
	}
	nodeSel := connectionNodeSelection(root.sel)
	if nodeSel == nil {
		return fail("INVALID", "Invalid bulk query: select edges { node { … } } or nodes { … } of the connection.")
	}
	var buf bytes.Buffer
	for _, id := range ids {
		line, err := json.Marshal(project(s.variantNode(s.st.variants[id]), "ProductVariant", nodeSel))
		if err != nil {
			return fail("INVALID", "Invalid bulk query: "+err.Error())
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	rate := s.bulkRate
	if rate <= 0 {
		rate = defaultBulkRate
	}
	b := &bulkOp{
		id: s.st.newID(), query: q, createdAt: now, startedAt: now.Add(s.bulkStart), rate: rate,
		objects: len(ids), result: buf.Bytes(), failure: s.bulkFailure, signature: randomHex(16),
	}
	b.doneAt = b.startedAt.Add(time.Duration(float64(len(ids)) / rate * float64(time.Second)))
	if b.failure != "" {
		b.result = nil
	}
	s.bulk[b.id] = b
	s.bulkQuery = b
	payload := s.bulkDoc(b, now)
	payload["status"] = "CREATED"
	return map[string]any{"bulkOperation": payload, "userErrors": []any{}}
}

// connectionNodeSelection is what a connection's selection asks of each node.
func connectionNodeSelection(sel []*gqlField) []*gqlField {
	for _, f := range sel {
		switch f.name {
		case "nodes":
			return f.sel
		case "edges":
			for _, e := range f.sel {
				if e.name == "node" {
					return e.sel
				}
			}
		}
	}
	return nil
}

// bulkOperation answers bulkOperation(id:). The caller holds s.mu.
func (s *Server) bulkOperation(f *gqlField, vars map[string]any) any {
	id, ok := parseGID(asString(argValue(f, "id", vars)), "BulkOperation")
	if op := s.bulk[id]; ok && op != nil {
		return s.bulkDoc(op, s.clock.Now())
	}
	return nil
}

// currentBulkOperation answers the app's most recent bulk query. The caller holds s.mu.
func (s *Server) currentBulkOperation(f *gqlField, vars map[string]any) any {
	if t := asString(argValue(f, "type", vars)); t == "MUTATION" || s.bulkQuery == nil {
		return nil // the simulator runs no bulk mutations
	}
	return s.bulkDoc(s.bulkQuery, s.clock.Now())
}

// handleBulkResult serves a finished operation's JSONL at its signed URL. Like the storage
// Shopify links to, it wants the signature, not an access token.
func (s *Server) handleBulkResult(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.URL.Path, "/bulk-results/")
	id, err := strconv.ParseInt(strings.TrimSuffix(name, ".jsonl"), 10, 64)
	s.mu.Lock()
	op := s.bulk[id]
	var body []byte
	ok := err == nil && r.Method == http.MethodGet && op != nil && op.status(s.clock.Now()) == "COMPLETED" &&
		r.URL.Query().Get("signature") == op.signature
	if ok {
		body = op.result
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
