package shopify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
	"github.com/google/uuid"
)

// InventoryLevel is the available quantity of an inventory item at a location.
type InventoryLevel struct {
	InventoryItemID int64
	LocationID      int64
	Available       *int // nil when Shopify does not track the item
	UpdatedAt       time.Time
}

// maxIDsPerList is how many ids inventory_levels.json takes in each of its two lists.
const maxIDsPerList = 50

// InventoryLevels reads the levels of the given items at the given locations (either list
// may be empty, not both), in as many requests as the 50-ids-per-list rule and the
// 250-per-page limit need.
func (c *Client) InventoryLevels(ctx context.Context, itemIDs, locationIDs []int64) ([]InventoryLevel, error) {
	if len(itemIDs) == 0 && len(locationIDs) == 0 {
		return nil, errors.New("fetch inventory levels: give inventory item ids, location ids or both")
	}
	var out []InventoryLevel
	for _, items := range chunks(itemIDs, maxIDsPerList) {
		for _, locs := range chunks(locationIDs, maxIDsPerList) {
			var opts any = goshopify.InventoryLevelListOptions{InventoryItemIds: toUint64(items), LocationIds: toUint64(locs), Limit: 250}
			for n := 1; ; n++ {
				var res struct {
					InventoryLevels []struct {
						InventoryItemID int64      `json:"inventory_item_id"`
						LocationID      int64      `json:"location_id"`
						Available       *int       `json:"available"`
						UpdatedAt       *time.Time `json:"updated_at"`
					} `json:"inventory_levels"`
				}
				var pg *goshopify.Pagination
				err := c.call(ctx, "GET inventory_levels", func() error {
					var err error
					pg, err = c.gs.ListWithPagination(ctx, "inventory_levels.json", &res, opts)
					return err
				})
				if err != nil {
					return nil, fmt.Errorf("fetch inventory levels page %d: %w", n, err)
				}
				for _, l := range res.InventoryLevels {
					lv := InventoryLevel{InventoryItemID: l.InventoryItemID, LocationID: l.LocationID, Available: l.Available}
					if l.UpdatedAt != nil {
						lv.UpdatedAt = *l.UpdatedAt
					}
					out = append(out, lv)
				}
				if pg == nil || pg.NextPageOptions == nil {
					break
				}
				opts = pg.NextPageOptions
			}
		}
	}
	return out, nil
}

// chunks cuts ids into lists of at most n; no ids is one empty list (no filter).
func chunks(ids []int64, n int) [][]int64 {
	if len(ids) == 0 {
		return [][]int64{nil}
	}
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	return append(out, ids)
}

func toUint64(ids []int64) []uint64 {
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		out = append(out, uint64(id))
	}
	return out
}

// InventoryQuantity is one level to set.
type InventoryQuantity struct {
	InventoryItemID int64
	LocationID      int64
	Quantity        int
	// From is the quantity Shopify is believed to hold now (what was last sent or read).
	// Shopify refuses the change when it holds something else, because someone sold or
	// counted stock in between (ErrQuantityStale); nil skips that check.
	From *int
}

// InventoryResult is what became of one InventoryQuantity: Err is nil when Shopify took it.
type InventoryResult struct {
	InventoryQuantity
	Err error
}

// ErrQuantityStale: Shopify held another quantity than InventoryQuantity.From.
var ErrQuantityStale = errors.New("shopify: the quantity in Shopify changed since it was read")

// UserError is one of a GraphQL mutation's userErrors: Shopify refused that input.
type UserError struct {
	Code    string
	Field   []string
	Message string
}

func (e *UserError) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// Is makes the stale-quantity codes match ErrQuantityStale.
func (e *UserError) Is(target error) bool {
	return target == ErrQuantityStale && (e.Code == "CHANGE_FROM_QUANTITY_STALE" || e.Code == "COMPARE_QUANTITY_STALE")
}

// inventoryBatch is the most quantities one inventorySetQuantities takes (any array
// argument holds at most 250 elements).
const inventoryBatch = 250

// SetInventory sets available quantities with GraphQL inventorySetQuantities, up to 250 a
// call. It returns one result per quantity, in order; a problem with one quantity (an
// unknown item, a stale From, a duplicate in qs) is on that result and the others go on.
// The error is for what stops everything: the context ended, or the credentials were
// refused (the results say which quantities were set by then).
//
// The API version decides the compare-and-set form: from 2026-04 each quantity carries
// changeFromQuantity (null without From); before, compareQuantity, or ignoreCompareQuantity
// for a batch without From. From 2026-01 each call carries an @idempotent key, so a retried
// call cannot apply twice. When Shopify refuses some quantities of a call and applies none
// of it, the others are sent again in a new call.
func (c *Client) SetInventory(ctx context.Context, qs []InventoryQuantity) ([]InventoryResult, error) {
	results := make([]InventoryResult, len(qs))
	type pair struct{ item, loc int64 }
	seen := map[pair]bool{}
	var withFrom, without []int
	for i, q := range qs {
		results[i].InventoryQuantity = q
		p := pair{q.InventoryItemID, q.LocationID}
		if seen[p] {
			results[i].Err = fmt.Errorf("inventory item %d at location %d is listed more than once", q.InventoryItemID, q.LocationID)
			continue
		}
		seen[p] = true
		if q.From != nil || c.changeFrom() {
			withFrom = append(withFrom, i)
		} else {
			without = append(without, i)
		}
	}
	var batches [][]int
	for _, group := range [][]int{withFrom, without} {
		for len(group) > 0 {
			n := min(inventoryBatch, len(group))
			batches, group = append(batches, group[:n]), group[n:]
		}
	}
	for k, batch := range batches {
		if err := c.setBatch(ctx, qs, batch, results); err != nil {
			// No result may say "set" for a quantity that was never sent.
			for _, rest := range batches[k+1:] {
				for _, i := range rest {
					results[i].Err = err
				}
			}
			return results, err
		}
	}
	return results, nil
}

// changeFrom reports whether the API version wants changeFromQuantity (2026-04 on).
func (c *Client) changeFrom() bool { return versionAtLeast(c.version, "2026-04") }

func versionAtLeast(v, min string) bool { return v == "unstable" || v >= min }

const setQuantitiesMutation = `mutation SetInventory($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input)%s {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}`

// setBatch sends one batch (indices into qs), and sends again what Shopify did not apply
// because of other quantities' errors. Results go into results.
func (c *Client) setBatch(ctx context.Context, qs []InventoryQuantity, batch []int, results []InventoryResult) error {
	for round := 0; round < 3 && len(batch) > 0; round++ {
		var resp struct {
			Payload struct {
				Group *struct {
					ID string `json:"id"`
				} `json:"inventoryAdjustmentGroup"`
				UserErrors []struct {
					Code    *string  `json:"code"`
					Field   []string `json:"field"`
					Message string   `json:"message"`
				} `json:"userErrors"`
			} `json:"inventorySetQuantities"`
		}
		query, vars := c.setQuantitiesRequest(qs, batch)
		err := c.call(ctx, "POST graphql", func() error { return c.gs.GraphQL.Query(ctx, query, vars, &resp) })
		if err != nil {
			err = fmt.Errorf("set inventory quantities: %w", err)
			for _, i := range batch {
				results[i].Err = err
			}
			if ctx.Err() != nil || errors.Is(err, ErrUnauthorized) {
				return err
			}
			return nil
		}
		refused := map[int]bool{}
		var whole error // an error about the input, not one quantity
		for _, ue := range resp.Payload.UserErrors {
			e := &UserError{Field: ue.Field, Message: ue.Message}
			if ue.Code != nil {
				e.Code = *ue.Code
			}
			if k, ok := quantityIndex(ue.Field); ok && k < len(batch) {
				refused[batch[k]] = true
				results[batch[k]].Err = fmt.Errorf("set inventory quantity: %w", e)
				continue
			}
			whole = errors.Join(whole, e)
		}
		if whole != nil {
			for _, i := range batch {
				if !refused[i] {
					results[i].Err = fmt.Errorf("set inventory quantities: %w", whole)
				}
			}
			return nil
		}
		if resp.Payload.Group != nil || len(refused) == 0 {
			return nil // applied: everything not refused is set
		}
		// Nothing was applied because of the refused quantities: send the rest again.
		var rest []int
		for _, i := range batch {
			if !refused[i] {
				rest = append(rest, i)
			}
		}
		batch = rest
	}
	for _, i := range batch {
		results[i].Err = errors.New("set inventory quantity: not applied after three tries")
	}
	return nil
}

// quantityIndex reads the index out of a userError field like
// ["input", "quantities", "3", "locationId"].
func quantityIndex(field []string) (int, bool) {
	for i := 0; i+1 < len(field); i++ {
		if field[i] == "quantities" {
			n, err := strconv.Atoi(field[i+1])
			return n, err == nil
		}
	}
	return 0, false
}

// setQuantitiesRequest builds the mutation and its variables for the quantities batch.
func (c *Client) setQuantitiesRequest(qs []InventoryQuantity, batch []int) (string, map[string]any) {
	directive := ""
	if versionAtLeast(c.version, "2026-01") {
		directive = fmt.Sprintf(" @idempotent(key: %q)", uuid.NewString())
	}
	input := map[string]any{"name": "available", "reason": "correction"}
	quantities := make([]map[string]any, 0, len(batch))
	compare := false
	for _, i := range batch {
		q := qs[i]
		m := map[string]any{
			"inventoryItemId": fmt.Sprintf("gid://shopify/InventoryItem/%d", q.InventoryItemID),
			"locationId":      fmt.Sprintf("gid://shopify/Location/%d", q.LocationID),
			"quantity":        q.Quantity,
		}
		switch {
		case c.changeFrom():
			m["changeFromQuantity"] = nil // an explicit null: no check (leaving it out is an error)
			if q.From != nil {
				m["changeFromQuantity"] = *q.From
			}
		case q.From != nil:
			m["compareQuantity"] = *q.From
			compare = true
		}
		quantities = append(quantities, m)
	}
	if !c.changeFrom() && !compare {
		input["ignoreCompareQuantity"] = true
	}
	input["quantities"] = quantities
	return fmt.Sprintf(setQuantitiesMutation, directive), map[string]any{"input": input}
}

// SetInventoryREST sets levels one REST inventory_levels/set call each: the fallback for
// stores or versions without the GraphQL mutation, and the yardstick the batched path is
// measured against. Results and the error mean what they mean for SetInventory; REST has no
// compare-and-set, so From is ignored.
func (c *Client) SetInventoryREST(ctx context.Context, qs []InventoryQuantity) ([]InventoryResult, error) {
	results := make([]InventoryResult, len(qs))
	for i, q := range qs {
		results[i].InventoryQuantity = q
		err := c.call(ctx, "POST inventory_levels/set", func() error {
			_, err := c.gs.InventoryLevel.Set(ctx, goshopify.InventoryLevel{
				InventoryItemId: uint64(q.InventoryItemID), LocationId: uint64(q.LocationID), Available: q.Quantity,
			})
			return err
		})
		if err != nil {
			results[i].Err = fmt.Errorf("set inventory level of item %d at location %d: %w", q.InventoryItemID, q.LocationID, err)
			if ctx.Err() != nil || errors.Is(err, ErrUnauthorized) {
				for j := i + 1; j < len(qs); j++ {
					results[j] = InventoryResult{InventoryQuantity: qs[j], Err: results[i].Err}
				}
				return results, results[i].Err
			}
		}
	}
	return results, nil
}
