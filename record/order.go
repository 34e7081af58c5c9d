package record

import (
	"time"

	"github.com/shopspring/decimal"
)

// Order is one Shopify order as the REST Admin API sends it (2026-07 and older shapes),
// reduced to what an ERP mapping plausibly reads.
type Order struct {
	ID                 int64  `json:"id" expr:"id"`
	AdminGraphQLAPIID  string `json:"admin_graphql_api_id" expr:"admin_graphql_api_id"`
	Name               string `json:"name" expr:"name"`
	OrderNumber        int64  `json:"order_number" expr:"order_number"`
	Number             int64  `json:"number" expr:"number"`
	ConfirmationNumber string `json:"confirmation_number" expr:"confirmation_number"`
	Token              string `json:"token" expr:"token"`

	Email        string `json:"email" expr:"email"`
	ContactEmail string `json:"contact_email" expr:"contact_email"`
	Phone        string `json:"phone" expr:"phone"`

	CreatedAt    time.Time  `json:"created_at" expr:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at" expr:"updated_at"`
	ProcessedAt  *time.Time `json:"processed_at" expr:"processed_at"`
	CancelledAt  *time.Time `json:"cancelled_at" expr:"cancelled_at"`
	ClosedAt     *time.Time `json:"closed_at" expr:"closed_at"`
	CancelReason string     `json:"cancel_reason" expr:"cancel_reason"`

	FinancialStatus   string `json:"financial_status" expr:"financial_status"`
	FulfillmentStatus string `json:"fulfillment_status" expr:"fulfillment_status"`
	Test              bool   `json:"test" expr:"test"`
	Confirmed         bool   `json:"confirmed" expr:"confirmed"`
	SourceName        string `json:"source_name" expr:"source_name"`
	SourceIdentifier  string `json:"source_identifier" expr:"source_identifier"`
	LocationID        int64  `json:"location_id" expr:"location_id"`
	CustomerLocale    string `json:"customer_locale" expr:"customer_locale"`
	TaxExempt         bool   `json:"tax_exempt" expr:"tax_exempt"`

	Currency             string          `json:"currency" expr:"currency"`
	PresentmentCurrency  string          `json:"presentment_currency" expr:"presentment_currency"`
	TotalPrice           decimal.Decimal `json:"total_price" expr:"total_price"`
	SubtotalPrice        decimal.Decimal `json:"subtotal_price" expr:"subtotal_price"`
	TotalTax             decimal.Decimal `json:"total_tax" expr:"total_tax"`
	TotalDiscounts       decimal.Decimal `json:"total_discounts" expr:"total_discounts"`
	TotalLineItemsPrice  decimal.Decimal `json:"total_line_items_price" expr:"total_line_items_price"`
	TotalOutstanding     decimal.Decimal `json:"total_outstanding" expr:"total_outstanding"`
	TotalTipReceived     decimal.Decimal `json:"total_tip_received" expr:"total_tip_received"`
	CurrentTotalPrice    decimal.Decimal `json:"current_total_price" expr:"current_total_price"`
	CurrentSubtotalPrice decimal.Decimal `json:"current_subtotal_price" expr:"current_subtotal_price"`
	CurrentTotalTax      decimal.Decimal `json:"current_total_tax" expr:"current_total_tax"`
	CurrentTotalDiscount decimal.Decimal `json:"current_total_discounts" expr:"current_total_discounts"`
	TaxesIncluded        bool            `json:"taxes_included" expr:"taxes_included"`
	EstimatedTaxes       bool            `json:"estimated_taxes" expr:"estimated_taxes"`
	TotalWeight          int64           `json:"total_weight" expr:"total_weight"`

	// Duties (cross-border import duties), as charged and after refunds; zero without any.
	OriginalTotalDutiesSet MoneySet `json:"original_total_duties_set" expr:"original_total_duties_set"`
	CurrentTotalDutiesSet  MoneySet `json:"current_total_duties_set" expr:"current_total_duties_set"`

	TotalPriceSet         MoneySet `json:"total_price_set" expr:"total_price_set"`
	SubtotalPriceSet      MoneySet `json:"subtotal_price_set" expr:"subtotal_price_set"`
	TotalTaxSet           MoneySet `json:"total_tax_set" expr:"total_tax_set"`
	TotalDiscountsSet     MoneySet `json:"total_discounts_set" expr:"total_discounts_set"`
	TotalShippingPriceSet MoneySet `json:"total_shipping_price_set" expr:"total_shipping_price_set"`
	CurrentTotalPriceSet  MoneySet `json:"current_total_price_set" expr:"current_total_price_set"`

	TaxLines             []*TaxLine             `json:"tax_lines" expr:"tax_lines"`
	DiscountCodes        []*DiscountCode        `json:"discount_codes" expr:"discount_codes"`
	DiscountApplications []*DiscountApplication `json:"discount_applications" expr:"discount_applications"`
	ShippingLines        []*ShippingLine        `json:"shipping_lines" expr:"shipping_lines"`

	BillingAddress  *Address  `json:"billing_address" expr:"billing_address"`
	ShippingAddress *Address  `json:"shipping_address" expr:"shipping_address"`
	Customer        *Customer `json:"customer" expr:"customer"`

	Note                string           `json:"note" expr:"note"`
	NoteAttributes      []*NoteAttribute `json:"note_attributes" expr:"note_attributes"`
	Tags                string           `json:"tags" expr:"tags"`
	PONumber            string           `json:"po_number" expr:"po_number"`
	PaymentGatewayNames []string         `json:"payment_gateway_names" expr:"payment_gateway_names"`

	LineItems    []*LineItem    `json:"line_items" expr:"line_items"`
	Fulfillments []*Fulfillment `json:"fulfillments" expr:"fulfillments"`
	Refunds      []*Refund      `json:"refunds" expr:"refunds"`
}

// LineItem is one line of an order.
type LineItem struct {
	ID                int64  `json:"id" expr:"id"`
	AdminGraphQLAPIID string `json:"admin_graphql_api_id" expr:"admin_graphql_api_id"`
	VariantID         int64  `json:"variant_id" expr:"variant_id"` // 0 for custom items and deleted variants
	ProductID         int64  `json:"product_id" expr:"product_id"`
	ProductExists     bool   `json:"product_exists" expr:"product_exists"`
	SKU               string `json:"sku" expr:"sku"`
	Title             string `json:"title" expr:"title"`
	VariantTitle      string `json:"variant_title" expr:"variant_title"`
	Name              string `json:"name" expr:"name"`
	Vendor            string `json:"vendor" expr:"vendor"`

	// Quantity is the quantity ordered; CurrentQuantity what is left after order edits and
	// removals. Payloads older than current_quantity get CurrentQuantity = Quantity.
	Quantity            int    `json:"quantity" expr:"quantity"`
	CurrentQuantity     int    `json:"current_quantity" expr:"current_quantity"`
	FulfillableQuantity int    `json:"fulfillable_quantity" expr:"fulfillable_quantity"`
	FulfillmentStatus   string `json:"fulfillment_status" expr:"fulfillment_status"`
	FulfillmentService  string `json:"fulfillment_service" expr:"fulfillment_service"`

	Price               decimal.Decimal       `json:"price" expr:"price"`
	PriceSet            MoneySet              `json:"price_set" expr:"price_set"`
	TotalDiscount       decimal.Decimal       `json:"total_discount" expr:"total_discount"`
	DiscountAllocations []*DiscountAllocation `json:"discount_allocations" expr:"discount_allocations"`
	TaxLines            []*TaxLine            `json:"tax_lines" expr:"tax_lines"`
	Taxable             bool                  `json:"taxable" expr:"taxable"`

	RequiresShipping           bool        `json:"requires_shipping" expr:"requires_shipping"`
	GiftCard                   bool        `json:"gift_card" expr:"gift_card"`
	Grams                      int64       `json:"grams" expr:"grams"`
	VariantInventoryManagement string      `json:"variant_inventory_management" expr:"variant_inventory_management"`
	Properties                 []*Property `json:"properties" expr:"properties"`
}

// Address is a billing, shipping or customer address.
type Address struct {
	FirstName    string   `json:"first_name" expr:"first_name"`
	LastName     string   `json:"last_name" expr:"last_name"`
	Name         string   `json:"name" expr:"name"`
	Company      string   `json:"company" expr:"company"`
	Address1     string   `json:"address1" expr:"address1"`
	Address2     string   `json:"address2" expr:"address2"`
	City         string   `json:"city" expr:"city"`
	Province     string   `json:"province" expr:"province"`
	ProvinceCode string   `json:"province_code" expr:"province_code"`
	Zip          string   `json:"zip" expr:"zip"`
	Country      string   `json:"country" expr:"country"`
	CountryCode  string   `json:"country_code" expr:"country_code"`
	Phone        string   `json:"phone" expr:"phone"`
	Latitude     *float64 `json:"latitude" expr:"latitude"` // older payloads send strings
	Longitude    *float64 `json:"longitude" expr:"longitude"`
}

// Customer is the order's customer; nil for guest and some POS orders.
type Customer struct {
	ID             int64      `json:"id" expr:"id"`
	Email          string     `json:"email" expr:"email"`
	FirstName      string     `json:"first_name" expr:"first_name"`
	LastName       string     `json:"last_name" expr:"last_name"`
	Phone          string     `json:"phone" expr:"phone"`
	State          string     `json:"state" expr:"state"`
	Tags           string     `json:"tags" expr:"tags"`
	Currency       string     `json:"currency" expr:"currency"`
	Note           string     `json:"note" expr:"note"`
	TaxExempt      bool       `json:"tax_exempt" expr:"tax_exempt"`
	CreatedAt      *time.Time `json:"created_at" expr:"created_at"`
	UpdatedAt      *time.Time `json:"updated_at" expr:"updated_at"`
	DefaultAddress *Address   `json:"default_address" expr:"default_address"`
}

// Money is an amount in one currency.
type Money struct {
	Amount       decimal.Decimal `json:"amount" expr:"amount"`
	CurrencyCode string          `json:"currency_code" expr:"currency_code"`
}

// MoneySet is an amount in the shop's currency and in the currency the customer saw.
type MoneySet struct {
	ShopMoney        Money `json:"shop_money" expr:"shop_money"`
	PresentmentMoney Money `json:"presentment_money" expr:"presentment_money"`
}

// TaxLine is one tax on an order, a line or a shipping line.
type TaxLine struct {
	Title         string          `json:"title" expr:"title"`
	Price         decimal.Decimal `json:"price" expr:"price"`
	Rate          decimal.Decimal `json:"rate" expr:"rate"`
	PriceSet      MoneySet        `json:"price_set" expr:"price_set"`
	ChannelLiable bool            `json:"channel_liable" expr:"channel_liable"`
}

// DiscountCode is a code the customer entered.
type DiscountCode struct {
	Code   string          `json:"code" expr:"code"`
	Amount decimal.Decimal `json:"amount" expr:"amount"`
	Type   string          `json:"type" expr:"type"`
}

// DiscountApplication is a discount applied to the order; allocations refer to it by index.
type DiscountApplication struct {
	Type             string          `json:"type" expr:"type"`
	Title            string          `json:"title" expr:"title"`
	Description      string          `json:"description" expr:"description"`
	Code             string          `json:"code" expr:"code"`
	Value            decimal.Decimal `json:"value" expr:"value"`
	ValueType        string          `json:"value_type" expr:"value_type"`
	AllocationMethod string          `json:"allocation_method" expr:"allocation_method"`
	TargetSelection  string          `json:"target_selection" expr:"target_selection"`
	TargetType       string          `json:"target_type" expr:"target_type"`
}

// DiscountAllocation is the part of a discount that fell on one line or shipping line.
type DiscountAllocation struct {
	Amount                   decimal.Decimal `json:"amount" expr:"amount"`
	AmountSet                MoneySet        `json:"amount_set" expr:"amount_set"`
	DiscountApplicationIndex int             `json:"discount_application_index" expr:"discount_application_index"`
}

// ShippingLine is one shipping method chosen at checkout.
type ShippingLine struct {
	ID                  int64                 `json:"id" expr:"id"`
	Title               string                `json:"title" expr:"title"`
	Code                string                `json:"code" expr:"code"`
	Source              string                `json:"source" expr:"source"`
	CarrierIdentifier   string                `json:"carrier_identifier" expr:"carrier_identifier"`
	Price               decimal.Decimal       `json:"price" expr:"price"`
	DiscountedPrice     decimal.Decimal       `json:"discounted_price" expr:"discounted_price"`
	PriceSet            MoneySet              `json:"price_set" expr:"price_set"`
	DiscountedPriceSet  MoneySet              `json:"discounted_price_set" expr:"discounted_price_set"`
	TaxLines            []*TaxLine            `json:"tax_lines" expr:"tax_lines"`
	DiscountAllocations []*DiscountAllocation `json:"discount_allocations" expr:"discount_allocations"`
	IsRemoved           bool                  `json:"is_removed" expr:"is_removed"`
}

// NoteAttribute is one name/value pair the checkout attached to the order.
type NoteAttribute struct {
	Name  string `json:"name" expr:"name"`
	Value string `json:"value" expr:"value"`
}

// Property is one name/value pair attached to a line (engraving text, gift message).
type Property struct {
	Name  string `json:"name" expr:"name"`
	Value string `json:"value" expr:"value"`
}

// Fulfillment is a shipment Shopify already knows about: made by the shipments feed, by
// hand, at a point of sale or by another app.
type Fulfillment struct {
	ID         int64  `json:"id" expr:"id"`
	Name       string `json:"name" expr:"name"`
	Status     string `json:"status" expr:"status"`
	LocationID int64  `json:"location_id" expr:"location_id"`
	// Service is who fulfilled it: "manual" for the merchant (or an app acting as the
	// merchant), or a fulfillment service's handle.
	Service         string      `json:"service" expr:"service"`
	ShipmentStatus  string      `json:"shipment_status" expr:"shipment_status"`
	TrackingCompany string      `json:"tracking_company" expr:"tracking_company"`
	TrackingNumber  string      `json:"tracking_number" expr:"tracking_number"`
	TrackingNumbers []string    `json:"tracking_numbers" expr:"tracking_numbers"`
	TrackingURL     string      `json:"tracking_url" expr:"tracking_url"`
	CreatedAt       *time.Time  `json:"created_at" expr:"created_at"`
	LineItems       []*LineItem `json:"line_items" expr:"line_items"`
}

// Refund is money (and possibly goods) returned after the order was placed: the lines it
// takes back, and what it returns besides them (shipping, a discrepancy) as adjustments.
type Refund struct {
	ID               int64              `json:"id" expr:"id"`
	CreatedAt        *time.Time         `json:"created_at" expr:"created_at"`
	ProcessedAt      *time.Time         `json:"processed_at" expr:"processed_at"`
	Note             string             `json:"note" expr:"note"`
	Restock          bool               `json:"restock" expr:"restock"`
	RefundLineItems  []*RefundLineItem  `json:"refund_line_items" expr:"refund_line_items"`
	OrderAdjustments []*OrderAdjustment `json:"order_adjustments" expr:"order_adjustments"`
	Transactions     []*Transaction     `json:"transactions" expr:"transactions"`
}

// RefundLineItem is the quantity of one line a refund covers.
type RefundLineItem struct {
	ID          int64           `json:"id" expr:"id"`
	LineItemID  int64           `json:"line_item_id" expr:"line_item_id"`
	Quantity    int             `json:"quantity" expr:"quantity"`
	RestockType string          `json:"restock_type" expr:"restock_type"` // no_restock, cancel, return, legacy_restock
	LocationID  int64           `json:"location_id" expr:"location_id"`
	Subtotal    decimal.Decimal `json:"subtotal" expr:"subtotal"`
	TotalTax    decimal.Decimal `json:"total_tax" expr:"total_tax"`
	SubtotalSet MoneySet        `json:"subtotal_set" expr:"subtotal_set"`
	TotalTaxSet MoneySet        `json:"total_tax_set" expr:"total_tax_set"`
	// LineItem is the order's line as the refund found it; nil when Shopify left it out.
	LineItem *LineItem `json:"line_item" expr:"line_item"`
}

// OrderAdjustment is money a refund returns besides its lines: shipping (kind
// shipping_refund) or the difference between what was calculated and what was refunded
// (refund_discrepancy). Shopify sends the amounts negative.
type OrderAdjustment struct {
	ID           int64           `json:"id" expr:"id"`
	Kind         string          `json:"kind" expr:"kind"`
	Reason       string          `json:"reason" expr:"reason"`
	Amount       decimal.Decimal `json:"amount" expr:"amount"`
	TaxAmount    decimal.Decimal `json:"tax_amount" expr:"tax_amount"`
	AmountSet    MoneySet        `json:"amount_set" expr:"amount_set"`
	TaxAmountSet MoneySet        `json:"tax_amount_set" expr:"tax_amount_set"`
}

// Transaction is money moved for an order: for a refund, what went back to the customer.
type Transaction struct {
	ID       int64           `json:"id" expr:"id"`
	Kind     string          `json:"kind" expr:"kind"`     // refund, sale, capture …
	Status   string          `json:"status" expr:"status"` // success, failure, pending, error
	Amount   decimal.Decimal `json:"amount" expr:"amount"`
	Currency string          `json:"currency" expr:"currency"`
	Gateway  string          `json:"gateway" expr:"gateway"`
}
