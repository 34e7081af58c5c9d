package portal

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/ledger"
)

// step is one thing that happened to an order, for its timeline.
type step struct {
	At time.Time // zero when the step's time is not known (the ERP's import)
	// What names the step: Seen, Staged, Retried by ann, Shipped, Sent to Shopify, Imported
	// by the ERP, …; Badge is its status word, Text the rest.
	What  string
	Badge string
	Text  string
	By    string
	RunID int64
}

// timeline puts together what happened to an order: its history (seen, staged, staged
// again, refunds, problems, what operators did), each shipment (shipped by the ERP, sent to
// Shopify or refused) and the ERP's import, oldest first; the import, whose time the ERP
// does not record, last.
func timeline(events []ledger.Event, shipments []shipmentView, t *truth) []step {
	var out []step
	staged := false
	for i, ev := range events {
		s := step{At: ev.At, Badge: string(ev.Status), Text: ev.Message, By: ev.Actor, RunID: ev.RunID}
		switch {
		case i == 0 && ev.Status != ledger.StatusStaged:
			s.What = "Seen"
		case ev.Actor != "":
			s.What = "By " + ev.Actor
		case ev.Status == ledger.StatusStaged && staged:
			s.What = "Staged again"
		case ev.Status == ledger.StatusStaged:
			s.What = "Staged"
		default:
			s.What = strings.ToUpper(string(ev.Status[:1])) + string(ev.Status[1:])
		}
		staged = staged || ev.Status == ledger.StatusStaged
		out = append(out, s)
	}
	for _, sh := range shipments {
		items := 0
		for _, r := range sh.Rows {
			items += r.Quantity
		}
		tracking := sh.Tracking
		if sh.Carrier != "" {
			tracking += " (" + sh.Carrier + ")"
		}
		if !sh.ShipDate.IsZero() {
			out = append(out, step{At: sh.ShipDate, What: "Shipped", Text: fmt.Sprintf("shipment %s: %d items, tracking %s", sh.ID, items, tracking)})
		}
		switch sh.Status {
		case "sent":
			text := "shipment " + sh.ID
			for _, f := range sh.Made {
				text += ", fulfillment " + f.Name
			}
			out = append(out, step{At: sh.SyncedAt, What: "Sent to Shopify", Badge: sh.Status, Text: text})
		case "error", "test", "skipped":
			out = append(out, step{At: sh.SyncedAt, What: "Shipment " + sh.ID, Badge: sh.Status, Text: sh.Error})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if t != nil && t.ImportStatus != "" {
		text := "import status " + t.ImportStatus
		if t.ERPOrderNo != "" {
			text += ", ERP order " + t.ERPOrderNo
		}
		if t.ImportError != "" {
			text += ": " + t.ImportError
		}
		out = append(out, step{What: "Imported by the ERP", Text: text})
	}
	return out
}
