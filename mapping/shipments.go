package mapping

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
)

// ShipmentInput is one shipment to map.
type ShipmentInput struct {
	Shop     string
	Shipment record.Shipment
	Now      time.Time
}

// ShipmentResult is what Shopify's fulfillment gets: its tracking_info and notify_customer.
type ShipmentResult struct {
	TrackingNumber string
	Company        string // the carrier as Shopify names it (UPS, FedEx, USPS, DHL Express …)
	TrackingURL    string // empty: Shopify builds it from the company and number
	NotifyCustomer bool
}

// row is the result as the fulfillment block names its fields.
func (r *ShipmentResult) row() passthrough.Row {
	return passthrough.Row{Columns: shipmentFields, Values: []any{r.TrackingNumber, r.Company, r.TrackingURL, r.NotifyCustomer}}
}

// Shipments is the compiled shipments.yaml. It is safe for concurrent use.
type Shipments struct {
	file string
	prog *rowProgram
	vms  vmPool
}

// shipmentFields are the fulfillment block's fields, in the order the program gives them.
var shipmentFields = []string{"tracking_number", "company", "tracking_url", "notify_customer"}

// Map maps one shipment. A when rule that says no, fail(), or an expression that fails gives
// a *passthrough.RecordError.
func (m *Shipments) Map(in ShipmentInput) (*ShipmentResult, error) {
	vmm := m.vms.get()
	defer m.vms.put(vmm)
	sh := in.Shipment
	env := &shipmentEnv{Shop: in.Shop, Shipment: &sh, Now: in.Now}
	out, err := m.prog.run(vmm, env, where{})
	if err != nil {
		return nil, err
	}
	if out.failed != nil {
		return nil, reject(out.failed, vmm, env)
	}
	res := &ShipmentResult{}
	texts := []*string{&res.TrackingNumber, &res.Company, &res.TrackingURL}
	for i, dst := range texts {
		switch v := out.values[i].(type) {
		case string:
			*dst = v
		case nil:
		default:
			return nil, typeError(m.prog.cols[i], v, "text")
		}
	}
	switch v := out.values[3].(type) {
	case bool:
		res.NotifyCustomer = v
	case nil:
	default:
		return nil, typeError(m.prog.cols[3], v, "true or false")
	}
	if res.TrackingNumber == "" {
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityError,
			Message: fmt.Sprintf("shipment %s has no tracking number", in.Shipment.ID)}
	}
	return res, nil
}

func typeError(col column, v any, want string) error {
	return &passthrough.RecordError{Severity: passthrough.SeverityError,
		Message: fmt.Sprintf("%s (%s:%d:%d): gave %s, want %s", col.name, col.x.file.Name, col.x.node.Line, col.x.node.Column, Display(v), want)}
}

// parseShipments reads shipments.yaml.
func parseShipments(src *yamlfile.Source, root *yaml.Node) *Shipments {
	top := src.Fields(yamlfile.Field{Val: root}, "shipments.yaml", []string{"defaults", "lookups", "when", "fulfillment"}, []string{"fulfillment"})
	if top == nil {
		return nil
	}
	c := &exprCompiler{src: src, defaults: parseDefaults(src, top["defaults"].Val), lookups: parseLookups(src, top["lookups"].Val)}
	env := &shipmentEnv{}
	rules := parseRules(src, c, top["when"].Val, env)
	f, ok := top["fulfillment"]
	if !ok {
		return nil
	}
	b := src.Fields(f, "fulfillment", shipmentFields, []string{"tracking_number"})
	var cols []column
	for _, name := range shipmentFields {
		fl, ok := b[name]
		var x *compiled
		if ok {
			x = c.compile(fl.Val, env, wantValue)
			if x == nil {
				continue
			}
			wantKind, hint := kindText, "text, e.g. trim(shipment.tracking_number)"
			switch name {
			case "company":
				hint = `text, e.g. lookup("carriers", upper(shipment.carrier), shipment.carrier)`
			case "notify_customer":
				wantKind, hint = kindBool, "true or false, e.g. defaults.notify_customer"
			}
			if x.kind != wantKind && x.kind != kindUnknown && x.kind != kindNull {
				src.Errorf(fl.Val, hint, "%s must give %s; this gives %s", name, wantKind, x.kind)
				continue
			}
		} else {
			x = constCompiled(c, env, nil)
			if name == "notify_customer" {
				x = constCompiled(c, env, false)
			}
		}
		cols = append(cols, column{name: name, key: fl.Key, x: x})
	}
	if !src.Diags.Empty() {
		return nil
	}
	prog, err := newRowProgram(c, env, rules, nil, cols, nil)
	if err != nil {
		src.Errorf(f.Key, "", "%v", err)
		return nil
	}
	return &Shipments{file: src.Name, prog: prog}
}

// constCompiled stands for a field the file leaves out: a constant that never runs.
func constCompiled(c *exprCompiler, env any, v any) *compiled {
	return &compiled{file: c.src, env: env, isConst: true, constVal: v, kind: kindNull}
}
