package shopifytest

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// LoadFile loads a JSON file in one of Shopify's REST shapes (see Load).
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open seed: %w", err)
	}
	defer f.Close()
	if err := s.Load(f); err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	return nil
}

// Load reads one JSON document in Shopify's own REST shapes and stores what it holds:
// {"orders":[…]}, {"order":…}, {"products":[…]}, {"product":…}, {"locations":[…]},
// {"location":…}, {"inventory_levels":[…]}, {"inventory_level":…}, a bare order (a webhook
// body) or product, or an array of either. Records whose id is already stored replace the
// stored one, so loading the same file twice changes nothing. Loading sends no webhooks.
func (s *Server) Load(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read seed: %w", err)
	}
	v, err := decodeAny(b)
	if err != nil {
		return fmt.Errorf("decode seed: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if err := s.loadBare(asMap(e)); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		return nil
	case map[string]any:
		return s.loadObject(x)
	}
	return errors.New(`not a Shopify payload: expected an object such as {"orders":[…]} or an array`)
}

func (s *Server) loadObject(m map[string]any) error {
	for _, k := range []string{"orders", "order", "products", "product", "locations", "location", "inventory_levels", "inventory_level"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		list := asList(v)
		if list == nil {
			if asMap(v) == nil {
				return fmt.Errorf("%q is neither an object nor an array", k)
			}
			list = []any{v}
		}
		for i, e := range list {
			doc := asMap(e)
			if doc == nil {
				return fmt.Errorf("%s[%d] is not an object", k, i)
			}
			var err error
			switch k {
			case "orders", "order":
				_, err = s.putOrder(doc, true)
			case "products", "product":
				_, err = s.putProduct(doc)
			case "locations", "location":
				s.putLocation(doc)
			case "inventory_levels", "inventory_level":
				err = s.loadLevel(doc)
			}
			if err != nil {
				return fmt.Errorf("%s[%d]: %w", k, i, err)
			}
		}
		return nil
	}
	return s.loadBare(m)
}

// loadBare stores an object that is not wrapped: an order (it has line_items and is not
// itself part of an order, as a fulfillment or refund is) or a product (it has variants).
func (s *Server) loadBare(m map[string]any) error {
	_, partOfOrder := m["order_id"]
	switch {
	case m == nil:
		return errors.New("not an object")
	case m["line_items"] != nil && !partOfOrder:
		_, err := s.putOrder(m, true)
		return err
	case m["variants"] != nil:
		_, err := s.putProduct(m)
		return err
	}
	return errors.New(`not an order, product or location payload (expected {"orders":[…]}, {"products":[…]}, {"locations":[…]} or a bare order or product)`)
}

func (s *Server) loadLevel(doc map[string]any) error {
	item, ok1 := asInt64(doc["inventory_item_id"])
	loc, ok2 := asInt64(doc["location_id"])
	if !ok1 || !ok2 {
		return errors.New("inventory level without inventory_item_id and location_id")
	}
	if s.st.locations[loc] == nil {
		s.putLocation(map[string]any{"id": loc})
	}
	s.setLevel(item, loc, asInt(doc["available"]))
	return nil
}
