package shopifytest

import (
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"
)

// GenOptions says what Generate makes.
type GenOptions struct {
	Orders    int    // orders to create
	SKUs      int    // variants with SKUs, spread over products (default 20)
	Locations int    // locations (default 2)
	Seed      uint64 // the same seed makes the same shop
	// LargeProducts adds, besides the SKUs, one product per entry with that many variants
	// (at most 2,048), each with its own SKU: the products REST cannot show whole (it stops
	// at 100 variants).
	LargeProducts []int
	// Until is when the newest order may be; orders spread over the 30 days before it
	// (default: the simulator's clock).
	Until time.Time
	// Unpaid makes every order wait for its payment (financial status pending, not a test,
	// not cancelled), for a test that pays them and times what follows.
	Unpaid bool
}

// Generate fills the shop with a realistic, reproducible mix: locations, products whose
// variants carry the SKUs, stock of each at every location, a gift card, and orders that
// are paid, pending, authorized, partly or wholly refunded, cancelled or test orders, with
// several lines, gift-card lines, discounts, taxes (included or not), shipping lines,
// customers with non-ASCII names, some without a shipping address, some hostile notes, and
// some already (partly) fulfilled or archived. It sends no webhooks.
func (s *Server) Generate(o GenOptions) error {
	if o.SKUs <= 0 {
		o.SKUs = 20
	}
	if o.Locations <= 0 {
		o.Locations = 2
	}
	if o.Until.IsZero() {
		o.Until = s.clock.Now()
	}
	g := &generator{s: s, rng: mrand.New(mrand.NewPCG(o.Seed, o.Seed+0x5851f42d4c957f2d)), opts: o,
		edits: mrand.New(mrand.NewPCG(o.Seed^0x9e3779b97f4a7c15, o.Seed))}
	s.mu.Lock()
	defer s.mu.Unlock()
	g.locations()
	if err := g.products(); err != nil {
		return err
	}
	return g.orders()
}

// GenerateOrders adds n orders over the shop's existing SKUs, created now, and sends
// orders/create for each: new business arriving while a demo or a test runs. It returns
// the new orders' ids.
func (s *Server) GenerateOrders(n int, seed uint64) ([]int64, error) {
	g := &generator{s: s, rng: mrand.New(mrand.NewPCG(seed, seed+0x5851f42d4c957f2d)), opts: GenOptions{Orders: n, Until: s.clock.Now()}}
	s.mu.Lock()
	g.load()
	if len(g.variants) == 0 {
		s.mu.Unlock()
		return nil, fmt.Errorf("generate orders: the shop has no SKUs to sell")
	}
	var ids []int64
	var raws [][]byte
	var err error
	for range n {
		var o *order
		if o, err = g.order(s.clock.Now().Truncate(time.Second)); err != nil {
			break
		}
		ids, raws = append(ids, o.id), append(raws, o.raw)
	}
	s.mu.Unlock()
	for _, raw := range raws {
		s.hooks.send(s.Domain(), s.newest, "orders/create", raw, s.clock.Now())
	}
	return ids, err
}

// load fills the generator from the shop as it is. The caller holds s.mu.
func (g *generator) load() {
	st := &g.s.st
	g.locIDs = append(g.locIDs, st.locationIDs...)
	for _, pid := range st.productIDs {
		doc, err := decodeDoc(st.products[pid].raw)
		if err != nil {
			continue
		}
		for _, x := range asList(doc["variants"]) {
			vd := asMap(x)
			id, _ := asInt64(vd["id"])
			v := st.variants[id]
			if v == nil || v.sku == "" {
				continue
			}
			whole, frac, _ := strings.Cut(asString(vd["price"])+".00", ".")
			cents := int64(0)
			for _, r := range whole + (frac + "00")[:2] {
				if r >= '0' && r <= '9' {
					cents = cents*10 + int64(r-'0')
				}
			}
			gv := genVariant{id: v.id, productID: pid, itemID: v.inventoryItemID, sku: v.sku, title: v.productTitle,
				variant: v.title, price: cents, grams: asInt(vd["grams"]), vendor: asString(doc["vendor"])}
			if !v.tracked && !asBool(vd["requires_shipping"], true) {
				gv.gift = true
				g.giftCard = append(g.giftCard, gv)
				continue
			}
			g.variants = append(g.variants, gv)
		}
	}
}

type generator struct {
	s        *Server
	rng      *mrand.Rand
	edits    *mrand.Rand // when variants were last edited; apart from rng, so orders stay the same
	opts     GenOptions
	locIDs   []int64
	variants []genVariant
	giftCard []genVariant
}

type genVariant struct {
	id, productID, itemID int64
	sku, title, variant   string
	price                 int64 // cents
	grams                 int
	vendor                string
	gift                  bool
}

var genLocations = []map[string]any{
	{"name": "Main Warehouse", "address1": "4100 Commerce Drive", "city": "Louisville", "province": "Kentucky", "province_code": "KY", "zip": "40213", "country": "United States", "country_code": "US", "country_name": "United States"},
	{"name": "East Coast DC", "address1": "12 Harbor Way", "city": "Newark", "province": "New Jersey", "province_code": "NJ", "zip": "07114", "country": "United States", "country_code": "US", "country_name": "United States"},
	{"name": "Lager Köln", "address1": "Industriestraße 7", "city": "Köln", "province": "Nordrhein-Westfalen", "province_code": "NW", "zip": "50735", "country": "Germany", "country_code": "DE", "country_name": "Germany"},
	{"name": "Boutique Montréal", "address1": "1 Rue Saint-Paul", "city": "Montréal", "province": "Quebec", "province_code": "QC", "zip": "H2Y 1G6", "country": "Canada", "country_code": "CA", "country_name": "Canada"},
}

func (g *generator) locations() {
	for i := 0; i < g.opts.Locations; i++ {
		doc := map[string]any{}
		for k, v := range genLocations[i%len(genLocations)] {
			doc[k] = v
		}
		if i >= len(genLocations) {
			doc["name"] = fmt.Sprintf("%s %d", doc["name"], i/len(genLocations)+1)
		}
		doc["phone"] = fmt.Sprintf("+1-502-555-%04d", 100+i)
		g.locIDs = append(g.locIDs, g.s.putLocation(doc))
	}
}

var (
	genAdjectives = []string{"Classic", "Organic", "Alpine", "Coastal", "Urban", "Vintage", "Nordic", "Solar", "Merino", "Café"}
	genNouns      = []struct{ noun, code, vendor string }{
		{"T-Shirt", "TSH", "Kestrel Apparel"}, {"Hoodie", "HOD", "Kestrel Apparel"}, {"Mug", "MUG", "Tørrfisk & Co"},
		{"Water Bottle", "BTL", "Tørrfisk & Co"}, {"Backpack", "BPK", "Ibáñez Outdoor"}, {"Cap", "CAP", "Kestrel Apparel"},
		{"Notebook", "NBK", "Papeterie Lumière"}, {"Candle", "CDL", "Papeterie Lumière"}, {"Socks", "SCK", "Kestrel Apparel"},
		{"Tea Tin", "TEA", "Tørrfisk & Co"},
	}
	genOptions = [][]string{{"S", "M", "L", "XL"}, {"Black", "Navy", "Ecru", "Forest"}, {"250 ml", "500 ml", "1 l"}}
)

func (g *generator) products() error {
	made := 0
	for n := 1; made < g.opts.SKUs; n++ {
		noun := genNouns[g.rng.IntN(len(genNouns))]
		title := genAdjectives[g.rng.IntN(len(genAdjectives))] + " " + noun.noun
		opts := genOptions[g.rng.IntN(len(genOptions))]
		count := min(1+g.rng.IntN(len(opts)), g.opts.SKUs-made)
		price := int64(500 + g.rng.IntN(180)*100 + 99)
		var variants []any
		for v := 0; v < count; v++ {
			sku := fmt.Sprintf("%s-%04d-%s", noun.code, n, strings.ToUpper(strings.ReplaceAll(opts[v], " ", "")))
			variants = append(variants, map[string]any{
				"title": opts[v], "sku": sku, "price": money(price), "option1": opts[v], "position": v + 1,
				"inventory_management": "shopify", "inventory_policy": "deny", "requires_shipping": true, "taxable": true,
				"grams": 100 + g.rng.IntN(900), "barcode": fmt.Sprintf("40%011d", int64(n)*10+int64(v)), "fulfillment_service": "manual",
			})
		}
		doc := map[string]any{
			"title": title, "vendor": noun.vendor, "product_type": noun.noun, "handle": strings.ToLower(strings.ReplaceAll(title, " ", "-")),
			"status": "active", "variants": variants, "options": []any{map[string]any{"name": "Option", "values": opts[:count]}},
		}
		if err := g.stockProduct(doc, title, price, noun.vendor, g.rng); err != nil {
			return err
		}
		made += count
	}
	for i, count := range g.opts.LargeProducts {
		title := fmt.Sprintf("Colour Card %d", i+1)
		price := int64(1299)
		var variants []any
		for v := 1; v <= count; v++ {
			name := fmt.Sprintf("Shade %04d", v)
			variants = append(variants, map[string]any{
				"title": name, "sku": fmt.Sprintf("CCD-%02d-%04d", i+1, v), "price": money(price), "option1": name, "position": v,
				"inventory_management": "shopify", "inventory_policy": "deny", "requires_shipping": true, "taxable": true,
				"grams": 20, "barcode": fmt.Sprintf("41%05d%06d", i+1, v), "fulfillment_service": "manual",
			})
		}
		doc := map[string]any{
			"title": title, "vendor": "Papeterie Lumière", "product_type": "Colour Card", "handle": fmt.Sprintf("colour-card-%d", i+1),
			"status": "active", "variants": variants, "options": []any{map[string]any{"name": "Shade"}},
		}
		// Their stock comes from a generator of its own, so adding them leaves the rest of the
		// shop as it was.
		if err := g.stockProduct(doc, title, price, "Papeterie Lumière", mrand.New(mrand.NewPCG(g.opts.Seed+uint64(i), 77))); err != nil {
			return err
		}
	}
	gift := map[string]any{
		"title": "Gift Card", "vendor": "Passthrough Demo", "product_type": "Gift Card", "handle": "gift-card", "status": "active",
		"variants": []any{
			map[string]any{"title": "$25", "sku": "GIFT-25", "price": "25.00", "inventory_management": nil, "requires_shipping": false, "taxable": false},
			map[string]any{"title": "$50", "sku": "GIFT-50", "price": "50.00", "inventory_management": nil, "requires_shipping": false, "taxable": false},
		},
	}
	id, err := g.s.putProduct(gift)
	if err != nil {
		return err
	}
	for _, x := range asList(gift["variants"]) {
		vd := asMap(x)
		vid, _ := asInt64(vd["id"])
		item, _ := asInt64(vd["inventory_item_id"])
		cents := int64(2500)
		if asString(vd["sku"]) == "GIFT-50" {
			cents = 5000
		}
		g.giftCard = append(g.giftCard, genVariant{id: vid, productID: id, itemID: item, sku: asString(vd["sku"]), title: "Gift Card", variant: asString(vd["title"]), price: cents, gift: true, vendor: "Passthrough Demo"})
	}
	return nil
}

// stockProduct stores a generated product, its variants last edited some time in the 30
// days before Until, and stocks each variant at every location with quantities from rng.
// The caller holds s.mu.
func (g *generator) stockProduct(doc map[string]any, title string, price int64, vendor string, rng *mrand.Rand) error {
	for _, x := range asList(doc["variants"]) {
		edited := g.s.stamp(g.opts.Until.Add(-time.Duration(g.edits.Int64N(int64(30 * 24 * time.Hour)))))
		asMap(x)["created_at"], asMap(x)["updated_at"] = edited, edited
	}
	id, err := g.s.putProduct(doc)
	if err != nil {
		return err
	}
	for _, x := range asList(doc["variants"]) {
		vd := asMap(x)
		vid, _ := asInt64(vd["id"])
		item, _ := asInt64(vd["inventory_item_id"])
		g.variants = append(g.variants, genVariant{
			id: vid, productID: id, itemID: item, sku: asString(vd["sku"]), title: title, variant: asString(vd["title"]),
			price: price, grams: asInt(vd["grams"]), vendor: vendor,
		})
		for _, loc := range g.locIDs {
			qty := rng.IntN(150)
			if rng.IntN(10) == 0 {
				qty = 0
			}
			g.s.setLevel(item, loc, qty)
		}
	}
	return nil
}

type genAddress struct {
	address1, city, province, provinceCode, zip, country, countryCode string
	taxTitle                                                          string
	rate                                                              float64
	included                                                          bool
	currency                                                          string // presentment currency
}

var genAddresses = []genAddress{
	{"350 Fifth Avenue", "New York", "New York", "NY", "10118", "United States", "US", "NY State Tax", 0.08875, false, "USD"},
	{"Chestnut Street 92", "Louisville", "Kentucky", "KY", "40202", "United States", "US", "KY State Tax", 0.06, false, "USD"},
	{"1600 Amphitheatre Pkwy", "Mountain View", "California", "CA", "94043", "United States", "US", "CA State Tax", 0.0725, false, "USD"},
	{"Königstraße 12", "Stuttgart", "Baden-Württemberg", "BW", "70173", "Germany", "DE", "MwSt.", 0.19, true, "EUR"},
	{"12 Rue de l'Église", "Lyon", "", "", "69002", "France", "FR", "TVA", 0.20, true, "EUR"},
	{"221B Baker Street", "London", "England", "ENG", "NW1 6XE", "United Kingdom", "GB", "VAT", 0.20, true, "USD"},
	{"1 Rue Saint-Jacques", "Montréal", "Quebec", "QC", "H2Y 1L6", "Canada", "CA", "GST/QST", 0.14975, false, "USD"},
	{"Storgata 1", "Tromsø", "", "", "9008", "Norway", "NO", "MVA", 0.25, true, "USD"},
	{"ul. Świętokrzyska 14", "Łódź", "", "", "90-001", "Poland", "PL", "VAT", 0.23, true, "USD"},
	{"1-1 Chiyoda", "千代田区", "Tokyo", "JP-13", "100-0001", "Japan", "JP", "消費税", 0.10, true, "USD"},
}

var (
	genFirst = []string{"Zoë", "José", "Łukasz", "Søren", "Renée", "François", "Björn", "Maëlle", "Jürgen", "Ólafur", "Chloé", "Aiko", "Θεόδωρος", "Мария", "Siobhán", "Anne-Sophie", "Mehmet", "Emma", "John", "Priya"}
	genLast  = []string{"Müller", "Ångström", "García-Márquez", "Żółkiewski", "Kierkegård", "O'Connor", "Dubois", "van der Berg", "Nguyễn", "Smith", "Øvergaard", "Ibáñez", "Papadopoulou", "Иванова", "山田", "Đorđević", "Jones", "Brown"}
	genNotes = []string{"", "", "", "", "Bitte nicht vor 9 Uhr klingeln.", "Leave at the back door 🚪", "Robert'); DROP TABLE s_orders;--", "<script>alert('x')</script>", "Geschenk – bitte ohne Rechnung", "Ünïcödé ✓ test"}
	genTags  = []string{"", "", "", "wholesale", "VIP, repeat customer", "gift", "B2B, net-terms"}
)

const eurRate = 0.92 // presentment EUR per shop USD

func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// moneySet is a *_set: the amount in shop and presentment money.
func moneySet(cents int64, currency string) map[string]any {
	pres := cents
	if currency == "EUR" {
		pres = int64(math.Round(float64(cents) * eurRate))
	}
	return map[string]any{
		"shop_money":        map[string]any{"amount": money(cents), "currency_code": "USD"},
		"presentment_money": map[string]any{"amount": money(pres), "currency_code": currency},
	}
}

type genLine struct {
	v        genVariant
	qty      int
	discount int64
	tax      int64
}

func (g *generator) orders() error {
	if g.opts.Orders <= 0 {
		return nil
	}
	if len(g.variants) == 0 {
		return fmt.Errorf("generate orders: no SKUs to sell")
	}
	created := make([]time.Time, g.opts.Orders)
	for i := range created {
		created[i] = g.opts.Until.Add(-time.Duration(g.rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Second)
	}
	slices.SortFunc(created, func(a, b time.Time) int { return a.Compare(b) })
	for _, at := range created {
		if _, err := g.order(at); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) order(at time.Time) (*order, error) {
	s, rng := g.s, g.rng
	first, last := genFirst[rng.IntN(len(genFirst))], genLast[rng.IntN(len(genLast))]
	addr := genAddresses[rng.IntN(len(genAddresses))]
	source := "web"
	switch r := rng.IntN(10); {
	case r == 0:
		source = "pos"
	case r == 1:
		source = "shopify_draft_order"
	}
	shipTo := source != "pos" && rng.IntN(12) != 0

	// Lines: one to five distinct variants, sometimes a gift card.
	n := 1 + rng.IntN(3)
	if rng.IntN(4) == 0 {
		n += 1 + rng.IntN(2)
	}
	var lines []genLine
	for _, i := range rng.Perm(len(g.variants))[:min(n, len(g.variants))] {
		lines = append(lines, genLine{v: g.variants[i], qty: 1 + rng.IntN(3)})
	}
	if len(g.giftCard) > 0 && rng.IntN(15) == 0 {
		lines = append(lines, genLine{v: g.giftCard[rng.IntN(len(g.giftCard))], qty: 1})
	}

	var itemsTotal int64
	for _, l := range lines {
		itemsTotal += l.v.price * int64(l.qty)
	}
	// Discounts: a code on about a quarter of orders, allocated across the lines.
	var codes, applications []any
	var discount int64
	if rng.IntN(4) == 0 {
		if rng.IntN(2) == 0 {
			discount = int64(math.Round(float64(itemsTotal) * 0.10))
			codes = append(codes, map[string]any{"code": "WELCOME10", "amount": money(discount), "type": "percentage"})
			applications = append(applications, map[string]any{"target_type": "line_item", "type": "discount_code", "value": "10.0", "value_type": "percentage", "allocation_method": "across", "target_selection": "all", "code": "WELCOME10"})
		} else {
			discount = min(500, itemsTotal)
			codes = append(codes, map[string]any{"code": "SAVE5", "amount": money(discount), "type": "fixed_amount"})
			applications = append(applications, map[string]any{"target_type": "line_item", "type": "discount_code", "value": "5.0", "value_type": "fixed_amount", "allocation_method": "across", "target_selection": "all", "code": "SAVE5"})
		}
		left := discount
		for i := range lines {
			share := discount * lines[i].v.price * int64(lines[i].qty) / itemsTotal
			if i == len(lines)-1 {
				share = left
			}
			lines[i].discount, left = share, left-share
		}
	}
	// Taxes, included in prices in Europe and Japan, added on top elsewhere.
	var tax int64
	for i := range lines {
		if lines[i].v.gift {
			continue
		}
		base := float64(lines[i].v.price*int64(lines[i].qty) - lines[i].discount)
		if addr.included {
			lines[i].tax = int64(math.Round(base - base/(1+addr.rate)))
		} else {
			lines[i].tax = int64(math.Round(base * addr.rate))
		}
		tax += lines[i].tax
	}
	subtotal := itemsTotal - discount
	var shipping int64
	var shippingLines []any
	if shipTo && !allGift(lines) {
		title, code, price := "Standard", "STANDARD", int64(599)
		switch r := rng.IntN(10); {
		case r < 2:
			title, code, price = "Express", "EXPRESS", 1499
		case r == 2:
			title, code, price = "Priority Overnight", "PRIORITY_OVERNIGHT", 2999
		case subtotal > 10000:
			title, code, price = "Free Shipping", "FREE", 0
		}
		shipping = price
		shippingLines = append(shippingLines, map[string]any{
			"id": s.st.newID(), "title": title, "code": code, "source": "shopify", "price": money(price), "price_set": moneySet(price, addr.currency),
			"discounted_price": money(price), "discounted_price_set": moneySet(price, addr.currency), "carrier_identifier": nil,
			"requested_fulfillment_service_id": nil, "phone": nil, "is_removed": false, "tax_lines": []any{}, "discount_allocations": []any{},
		})
	}
	total := subtotal + shipping
	if !addr.included {
		total += tax
	}

	// What happened to the order.
	financial, test, cancelReason := "paid", false, ""
	switch r := rng.IntN(100); {
	case r < 55:
	case r < 65:
		financial = "pending"
	case r < 72:
		financial = "authorized"
	case r < 75:
		financial = "partially_paid"
	case r < 80:
		financial = "partially_refunded"
	case r < 85:
		financial = "refunded"
	case r < 92:
		cancelReason = []string{"customer", "fraud", "inventory", "declined", "other"}[rng.IntN(5)]
		financial = []string{"voided", "refunded"}[rng.IntN(2)]
	default:
		test = true
	}
	if g.opts.Unpaid {
		financial, test, cancelReason = "pending", false, ""
	}
	updated := at.Add(time.Duration(rng.Int64N(int64(48 * time.Hour)))).Truncate(time.Second)
	if updated.After(g.opts.Until) {
		updated = g.opts.Until.Truncate(time.Second)
	}

	email := strings.ToLower(fmt.Sprintf("customer%d@example.com", s.st.nextNumber))
	name := first + " " + last
	address := func() map[string]any {
		return map[string]any{
			"first_name": first, "last_name": last, "name": name, "company": nil, "address1": addr.address1, "address2": "",
			"city": addr.city, "province": addr.province, "province_code": addr.provinceCode, "zip": addr.zip, "country": addr.country,
			"country_code": addr.countryCode, "phone": "+1 502 555 0100", "latitude": nil, "longitude": nil,
		}
	}
	var lineDocs []any
	for _, l := range lines {
		li := map[string]any{
			"id": s.st.newID(), "attributed_staffs": []any{}, "current_quantity": l.qty, "fulfillable_quantity": l.qty,
			"fulfillment_service": "manual", "fulfillment_status": nil, "gift_card": l.v.gift, "grams": l.v.grams,
			"name": l.v.title + " - " + l.v.variant, "price": money(l.v.price), "price_set": moneySet(l.v.price, addr.currency),
			"product_exists": true, "product_id": l.v.productID, "properties": []any{}, "quantity": l.qty,
			"requires_shipping": !l.v.gift, "sku": l.v.sku, "taxable": !l.v.gift, "title": l.v.title,
			"total_discount": "0.00", "total_discount_set": moneySet(0, addr.currency), "variant_id": l.v.id,
			"variant_inventory_management": "shopify", "variant_title": l.v.variant, "vendor": l.v.vendor, "duties": []any{},
			"tax_lines": []any{}, "discount_allocations": []any{},
		}
		if l.v.gift {
			li["variant_inventory_management"] = nil
			li["properties"] = []any{map[string]any{"name": "Recipient", "value": "Zoë"}}
		}
		if l.tax > 0 {
			li["tax_lines"] = []any{map[string]any{"title": addr.taxTitle, "price": money(l.tax), "rate": addr.rate, "price_set": moneySet(l.tax, addr.currency), "channel_liable": false}}
		}
		if l.discount > 0 {
			li["discount_allocations"] = []any{map[string]any{"amount": money(l.discount), "amount_set": moneySet(l.discount, addr.currency), "discount_application_index": 0}}
		}
		lineDocs = append(lineDocs, li)
	}
	taxLines := []any{}
	if tax > 0 {
		taxLines = append(taxLines, map[string]any{"title": addr.taxTitle, "price": money(tax), "rate": addr.rate, "price_set": moneySet(tax, addr.currency), "channel_liable": false})
	}
	gateway := "shopify_payments"
	if test {
		gateway = "bogus"
	} else if source == "shopify_draft_order" {
		gateway = "manual"
	}
	outstanding := int64(0)
	switch financial {
	case "pending", "authorized":
		outstanding = total
	case "partially_paid":
		outstanding = total / 2
	}
	currentTotal, currentSubtotal, currentTax := total, subtotal, tax
	var refunds []any
	switch {
	case financial == "refunded" || (cancelReason != "" && financial == "voided"):
		currentTotal, currentSubtotal, currentTax = 0, 0, 0
		for _, l := range lineDocs {
			li := asMap(l)
			li["current_quantity"], li["fulfillable_quantity"] = 0, 0
		}
		if financial == "refunded" {
			refunds = append(refunds, g.refund(at, lines, lineDocs, addr.currency, total))
		}
	case financial == "partially_refunded":
		l := lines[0]
		li := asMap(lineDocs[0])
		li["current_quantity"], li["fulfillable_quantity"] = 0, 0
		refunded := l.v.price*int64(l.qty) - l.discount
		currentSubtotal -= refunded
		currentTax -= l.tax
		currentTotal -= refunded
		if !addr.included {
			currentTotal -= l.tax
		}
		refunds = append(refunds, g.refund(at, lines[:1], lineDocs[:1], addr.currency, refunded))
	}
	if cancelReason != "" {
		for _, l := range lineDocs {
			asMap(l)["fulfillable_quantity"] = 0
		}
	}
	doc := map[string]any{
		"app_id": nil, "browser_ip": "203.0.113.7", "buyer_accepts_marketing": rng.IntN(3) == 0, "cancel_reason": nil,
		"cancelled_at": nil, "closed_at": nil, "confirmed": true, "contact_email": email, "email": email,
		"created_at": s.stamp(at), "processed_at": s.stamp(at), "updated_at": s.stamp(updated),
		"currency": "USD", "presentment_currency": addr.currency, "customer_locale": "en",
		"current_subtotal_price": money(currentSubtotal), "current_subtotal_price_set": moneySet(currentSubtotal, addr.currency),
		"current_total_discounts": money(discount), "current_total_discounts_set": moneySet(discount, addr.currency),
		"current_total_price": money(currentTotal), "current_total_price_set": moneySet(currentTotal, addr.currency),
		"current_total_tax": money(currentTax), "current_total_tax_set": moneySet(currentTax, addr.currency),
		"discount_codes": nonNil(codes), "discount_applications": nonNil(applications), "estimated_taxes": false,
		"financial_status": financial, "fulfillment_status": nil, "note": genNotes[rng.IntN(len(genNotes))],
		"note_attributes": []any{}, "payment_gateway_names": []any{gateway}, "phone": nil, "po_number": nil,
		"source_name": source, "subtotal_price": money(subtotal), "subtotal_price_set": moneySet(subtotal, addr.currency),
		"tags": genTags[rng.IntN(len(genTags))], "tax_exempt": false, "tax_lines": taxLines, "taxes_included": addr.included, "test": test,
		"total_discounts": money(discount), "total_discounts_set": moneySet(discount, addr.currency),
		"total_line_items_price": money(itemsTotal), "total_line_items_price_set": moneySet(itemsTotal, addr.currency),
		"total_outstanding": money(outstanding), "total_price": money(total), "total_price_set": moneySet(total, addr.currency),
		"total_shipping_price_set": moneySet(shipping, addr.currency), "total_tax": money(tax), "total_tax_set": moneySet(tax, addr.currency),
		"total_tip_received": "0.00", "total_weight": 0, "payment_terms": nil, "line_items": lineDocs, "shipping_lines": nonNil(shippingLines),
		"billing_address": address(), "shipping_address": nil, "refunds": nonNil(refunds), "fulfillments": []any{},
		"customer": map[string]any{
			"id": s.st.newID(), "email": email, "first_name": first, "last_name": last, "state": "enabled", "tags": "",
			"currency": "USD", "phone": nil, "created_at": s.stamp(at), "updated_at": s.stamp(at), "default_address": address(),
		},
	}
	if shipTo {
		doc["shipping_address"] = address()
	}
	if source == "shopify_draft_order" {
		doc["po_number"] = fmt.Sprintf("PO-%05d", 10000+rng.IntN(90000))
		doc["payment_terms"] = map[string]any{"payment_terms_name": "Net 30", "payment_terms_type": "net", "due_in_days": 30}
		doc["note_attributes"] = []any{map[string]any{"name": "Buyer", "value": name}}
	}
	if cancelReason != "" {
		doc["cancelled_at"] = s.stamp(updated)
		doc["cancel_reason"] = cancelReason
	}
	o, err := s.putOrder(doc, false)
	if err != nil {
		return nil, err
	}
	// Older paid orders are often shipped already, and some of those archived.
	if financial == "paid" && !test && g.opts.Until.Sub(at) > 5*24*time.Hour && len(o.fos) > 0 {
		switch r := rng.IntN(10); {
		case r < 3:
			return o, g.ship(o, at, false)
		case r == 3:
			return o, g.ship(o, at, true)
		}
	}
	return o, nil
}

func allGift(lines []genLine) bool {
	for _, l := range lines {
		if !l.v.gift {
			return false
		}
	}
	return true
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func (g *generator) refund(at time.Time, lines []genLine, lineDocs []any, currency string, amount int64) map[string]any {
	s := g.s
	var items []any
	for i, l := range lines {
		lineID, _ := asInt64(asMap(lineDocs[i])["id"])
		sub := l.v.price*int64(l.qty) - l.discount
		lineCopy := map[string]any{}
		for k, v := range asMap(lineDocs[i]) {
			lineCopy[k] = v
		}
		items = append(items, map[string]any{
			"id": s.st.newID(), "line_item_id": lineID, "location_id": g.restockLocation(), "quantity": l.qty, "restock_type": "return",
			"subtotal": money(sub), "subtotal_set": moneySet(sub, currency), "total_tax": money(l.tax), "total_tax_set": moneySet(l.tax, currency),
			"line_item": lineCopy,
		})
	}
	when := s.stamp(at.Add(26 * time.Hour))
	return map[string]any{
		"id": s.st.newID(), "created_at": when, "processed_at": when, "note": "Returned by the customer", "restock": true,
		"user_id": nil, "order_adjustments": []any{}, "refund_line_items": items,
		"transactions": []any{map[string]any{"id": s.st.newID(), "amount": money(amount), "kind": "refund", "status": "success", "gateway": "shopify_payments", "currency": "USD"}},
	}
}

func (g *generator) restockLocation() any {
	if len(g.locIDs) == 0 {
		return nil
	}
	return g.locIDs[0]
}

// ship fulfils an order whole (or one unit of its first line, when partial) the way the
// shipments feed would, and archives some fully shipped orders.
func (g *generator) ship(o *order, at time.Time, partial bool) error {
	for _, foID := range o.fos {
		fo := g.s.st.fos[foID]
		if fo.Status != "open" {
			continue
		}
		group := fulfillmentGroup{FulfillmentOrderID: jsonInt(fo.ID)}
		if partial {
			group.FulfillmentOrderLineItems = []fulfillmentItem{{ID: jsonInt(fo.LineItems[0].ID), Quantity: jsonInt(1)}}
		}
		in := &fulfillmentInput{
			LineItemsByFulfillmentOrder: []fulfillmentGroup{group},
			TrackingInfo:                &trackingInput{Number: fmt.Sprintf("1Z%03dE%010d", g.rng.IntN(1000), g.rng.Int64N(1e10))},
		}
		if _, _, errs := g.s.createFulfillment(in); errs != nil {
			return fmt.Errorf("generate fulfillment for order %d: %v", o.id, errs)
		}
		if partial {
			return nil
		}
	}
	if o.fulfillment == "fulfilled" && g.rng.IntN(2) == 0 {
		_, err := g.s.editOrder(o.id, func(doc map[string]any) error {
			doc["closed_at"] = g.s.stamp(at.Add(72 * time.Hour))
			return nil
		})
		return err
	}
	return nil
}
