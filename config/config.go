// Package config reads passthrough's YAML configuration. Values may name environment
// variables as ${VAR}; they are expanded inside scalar values only, after the YAML is parsed,
// so a secret can neither sit in the file nor change the file's structure.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration of a passthrough deployment: one ERP database, one or
// more Shopify stores, the portal. Any number of processes (`serve` replicas, `run`
// commands) may run with it at once; they share the work through locks in the ERP
// database.
type Config struct {
	// Shopify is the store of a deployment with one store, which uses the top-level
	// mappings, mode and feeds. Leave it out when Stores is given.
	Shopify Shopify `yaml:"shopify"`
	// Stores are the stores of a deployment with several: each its own shop, credentials,
	// API version, mappings folder, mode and feeds, which default to the top level's.
	Stores   []Store `yaml:"stores"`
	ERP      ERP     `yaml:"erp"`
	Mappings string  `yaml:"mappings"`
	// Mode is "test" (outbound feeds record what they would send and call nothing that writes
	// to Shopify) or "live".
	Mode     string   `yaml:"mode"`
	Feeds    Feeds    `yaml:"feeds"`
	Portal   Portal   `yaml:"portal"`
	Locks    Locks    `yaml:"locks"`
	Webhooks Webhooks `yaml:"webhooks"`
	// Alerts is where the alert digest goes: of the one store, and of every store that
	// does not set its own.
	Alerts Alerts `yaml:"alerts"`
}

// Store is one Shopify store of a deployment and what runs for it.
type Store struct {
	Shopify `yaml:",inline"`
	// Mappings is the store's mapping folder.
	Mappings string `yaml:"mappings"`
	// Mode is the store's mode, test or live.
	Mode   string `yaml:"mode"`
	Feeds  Feeds  `yaml:"feeds"`
	Alerts Alerts `yaml:"alerts"`
}

// StoreList is every store of the deployment: Stores, or the one store of the shopify
// block with the top-level mappings, mode and feeds.
func (c Config) StoreList() []Store {
	if len(c.Stores) > 0 {
		return c.Stores
	}
	return []Store{{Shopify: c.Shopify, Mappings: c.Mappings, Mode: c.Mode, Feeds: c.Feeds, Alerts: c.Alerts}}
}

// Locks configures the locks that keep processes sharing the ERP database from running
// the same feed of the same store at once.
type Locks struct {
	// Lease is how long a lock stays held without a renewal: a process that dies gives its
	// feeds up within it, and another replica takes over at its next tick after.
	Lease Duration `yaml:"lease"`
}

// Shopify says how to reach the store.
type Shopify struct {
	Shop string `yaml:"shop"`
	// BaseURL sends calls somewhere other than https://{shop}.myshopify.com (the simulator,
	// a proxy).
	BaseURL     string `yaml:"base_url"`
	AccessToken Secret `yaml:"access_token"`
	// ClientID and ClientSecret use the client-credentials grant instead of a static token.
	ClientID      string `yaml:"client_id"`
	ClientSecret  Secret `yaml:"client_secret"`
	APIVersion    string `yaml:"api_version"`
	WebhookSecret Secret `yaml:"webhook_secret"`
	// Plan sets the REST budget the client paces itself within: standard, advanced, plus.
	Plan string `yaml:"plan"`
	// TimeZone is the shop's time zone (a tz database name, e.g. America/New_York), in which
	// order dates are given to the ERP and the portal shows times; empty takes Shopify's own
	// (shop.json's iana_timezone).
	TimeZone string `yaml:"time_zone"`
	// Locations are the Shopify locations the ERP ships from, by name or id: when set, only
	// the lines of an order assigned to one of them are staged.
	Locations []string `yaml:"locations"`
}

// ERP says which database holds the staging tables and passthrough's own pt_ tables.
type ERP struct {
	Driver string `yaml:"driver"` // sqlite | postgres | sqlserver
	DSN    Secret `yaml:"dsn"`
	// Schema is where the staging tables and passthrough's pt_ tables are (an ERP's own
	// staging schema rather than dbo); empty for the login's default schema (PostgreSQL:
	// the search_path). SQLite has none.
	Schema string `yaml:"schema"`
}

// Feeds holds one section per feed.
type Feeds struct {
	Orders    OrdersFeed    `yaml:"orders"`
	Shipments ShipmentsFeed `yaml:"shipments"`
	Inventory InventoryFeed `yaml:"inventory"`
}

// OrdersFeed configures the Shopify → ERP order pull.
type OrdersFeed struct {
	Every Duration `yaml:"every"`
	// Overlap is how far before the stored watermark each run starts again, so that nothing
	// falls between two runs.
	Overlap Duration `yaml:"overlap"`
	// DailyAt ("HH:MM", empty for never) starts a second run that re-fetches the last
	// DailyDays days without moving the watermark: a net for any order the regular runs
	// missed.
	DailyAt   string `yaml:"daily_at"`
	DailyDays int    `yaml:"daily_days"`
	Disabled  bool   `yaml:"disabled"`
}

// ShipmentsFeed configures the ERP → Shopify fulfillment push.
type ShipmentsFeed struct {
	Every    Duration `yaml:"every"`
	Disabled bool     `yaml:"disabled"`
}

// Stock sync modes (feeds.inventory.mode).
const (
	InventoryOff   = "off"   // no stock sync
	InventoryDaily = "daily" // a full pass once a night, at daily_at
	InventoryLive  = "live"  // a delta run every `every`, and the nightly full pass
)

// InventoryFeed configures the ERP → Shopify stock push.
type InventoryFeed struct {
	Every Duration `yaml:"every"`
	// Mode is InventoryOff, InventoryDaily or InventoryLive.
	Mode    string `yaml:"mode"`
	DailyAt string `yaml:"daily_at"`
	// CatalogEvery is how often the SKU → inventory item catalog is refreshed from Shopify.
	CatalogEvery Duration `yaml:"catalog_every"`
}

// Portal configures the worker portal.
type Portal struct {
	Addr string `yaml:"addr"`
	// SessionKey signs session cookies; at least 32 bytes. Empty means a random key per start
	// (everyone logs in again after a restart).
	SessionKey Secret `yaml:"session_key"`
	// MetricsToken lets a Prometheus scraper read /metrics as a bearer token; without it
	// /metrics needs a login like every page.
	MetricsToken Secret `yaml:"metrics_token"`
	Users        []User `yaml:"users"`
}

// User is one portal login. PasswordHash is a bcrypt hash, never a password.
type User struct {
	Name         string `yaml:"name"`
	PasswordHash Secret `yaml:"password_hash"`
	Role         string `yaml:"role"` // viewer | operator | admin
	// Stores limits the user to these shops; empty for every store.
	Stores []string `yaml:"stores"`
}

// Default returns the configuration every file starts from.
func Default() Config {
	return Config{
		Shopify:  Shopify{APIVersion: "2026-07", Plan: "standard"},
		ERP:      ERP{Driver: "sqlite", DSN: "file:passthrough.db"},
		Mappings: "./mappings",
		Mode:     "test",
		Feeds: Feeds{
			Orders:    OrdersFeed{Every: Duration(5 * time.Minute), Overlap: Duration(2 * time.Minute), DailyDays: 7},
			Shipments: ShipmentsFeed{Every: Duration(5 * time.Minute)},
			Inventory: InventoryFeed{Every: Duration(5 * time.Minute), Mode: InventoryLive, DailyAt: "02:00", CatalogEvery: Duration(time.Hour)},
		},
		Portal: Portal{Addr: "127.0.0.1:8080"},
		Locks:  Locks{Lease: Duration(30 * time.Second)},
		Alerts: Alerts{Every: Duration(MinAlertEvery)},
	}
}

// Load reads and validates the file at path, expanding ${VAR} from the environment.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f, os.LookupEnv)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse reads a configuration from r over the defaults, expanding ${VAR} with lookup, and
// validates it.
func Parse(r io.Reader, lookup func(string) (string, bool)) (Config, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c := Default()
	if len(bytes.TrimSpace(src)) == 0 {
		return c, c.Validate()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	if err := checkFields(&doc, reflect.TypeFor[Config](), ""); err != nil {
		return Config{}, err
	}
	if err := expand(&doc, lookup); err != nil {
		return Config{}, err
	}
	if err := doc.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	if err := decodeStores(&doc, &c); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// decodeStores decodes each store of stores: again, over the defaults a store starts from
// (the top level's mappings, mode and feeds), so that a store setting one feed's interval
// keeps every other setting.
func decodeStores(doc *yaml.Node, c *Config) error {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "stores" || top.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, n := range top.Content[i+1].Content {
			s := Store{Shopify: Default().Shopify, Mappings: c.Mappings, Mode: c.Mode, Feeds: c.Feeds, Alerts: c.Alerts}
			if err := n.Decode(&s); err != nil {
				return fmt.Errorf("parse config: stores[%d]: %w", j, err)
			}
			c.Stores[j] = s
		}
	}
	return nil
}

// checkFields reports a key the configuration does not know, with its line, so a typo such
// as "evrey: 1m" is an error instead of a silently ignored setting.
func checkFields(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			if err := checkFields(c, t, path); err != nil {
				return err
			}
		}
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			f, ok := fieldByTag(t, key.Value)
			if !ok {
				where := "the top level"
				if path != "" {
					where = path
				}
				return fmt.Errorf("line %d: unknown field %q in %s", key.Line, key.Value, where)
			}
			if err := checkFields(val, f.Type, strings.TrimPrefix(path+"."+key.Value, ".")); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkFields(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			if in, ok := fieldByTag(f.Type, name); ok {
				return in, true
			}
			continue
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} in every scalar value of the document. An unset variable is an
// error naming the line, so a missing secret is caught at start rather than at first use.
func expand(n *yaml.Node, lookup func(string) (string, bool)) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		var missing []string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := lookup(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("line %d: environment variable %s is not set", n.Line, strings.Join(missing, ", "))
		}
		// The value came from the environment: keep it a string whatever it looks like.
		n.Tag, n.Style = "!!str", yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		if err := expand(c, lookup); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the configuration and names the field at fault.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if len(c.Stores) == 0 {
		c.validateShopify(bad, "shopify.", c.Shopify, false)
		c.validateRuns(bad, "", c.StoreList()[0])
	} else {
		if c.Shopify.Shop != "" || c.Shopify.BaseURL != "" || c.Shopify.AccessToken != "" || c.Shopify.ClientID != "" ||
			c.Shopify.TimeZone != "" || len(c.Shopify.Locations) > 0 || c.Shopify.WebhookSecret != "" {
			bad("shopify", "give the stores under stores, or the one store under shopify, not both")
		}
		seen := map[string]bool{}
		for i, s := range c.Stores {
			prefix := fmt.Sprintf("stores[%d].", i)
			c.validateShopify(bad, prefix, s.Shopify, true)
			if s.Shop != "" && seen[strings.ToLower(s.Shop)] {
				bad(prefix+"shop", "%q appears twice", s.Shop)
			}
			seen[strings.ToLower(s.Shop)] = true
			c.validateRuns(bad, prefix, s)
		}
	}
	switch c.ERP.Driver {
	case "sqlite", "postgres", "sqlserver":
	default:
		bad("erp.driver", "%q is not one of sqlite, postgres, sqlserver", c.ERP.Driver)
	}
	if c.ERP.DSN == "" {
		bad("erp.dsn", "required")
	}
	switch {
	case c.ERP.Schema == "":
	case c.ERP.Driver == "sqlite":
		bad("erp.schema", "SQLite has no schemas; leave it out")
	case !schemaName.MatchString(c.ERP.Schema):
		bad("erp.schema", "%q is not a schema name (letters, digits and underscores, not starting with a digit)", c.ERP.Schema)
	}
	if c.Locks.Lease < Duration(time.Second) {
		bad("locks.lease", "must be at least 1s")
	}
	if c.Portal.SessionKey != "" && len(c.Portal.SessionKey) < 32 {
		bad("portal.session_key", "must be at least 32 bytes")
	}
	if c.Portal.MetricsToken != "" && len(c.Portal.MetricsToken) < 16 {
		bad("portal.metrics_token", "must be at least 16 characters")
	}
	shops := map[string]bool{}
	for _, s := range c.StoreList() {
		shops[s.Shop] = true
	}
	seen := map[string]bool{}
	for i, u := range c.Portal.Users {
		field := fmt.Sprintf("portal.users[%d]", i)
		if u.Name == "" {
			bad(field+".name", "required")
		} else if seen[u.Name] {
			bad(field+".name", "%q appears twice", u.Name)
		}
		seen[u.Name] = true
		if !strings.HasPrefix(string(u.PasswordHash), "$2") {
			bad(field+".password_hash", "must be a bcrypt hash (passthrough hash-password makes one)")
		}
		switch u.Role {
		case "viewer", "operator", "admin":
		default:
			bad(field+".role", "%q is not one of viewer, operator, admin", u.Role)
		}
		for _, s := range u.Stores {
			if !shops[s] {
				bad(field+".stores", "%q is not a configured store", s)
			}
		}
	}
	var unsigned []string // the stores' secret fields left empty
	for i, s := range c.StoreList() {
		if s.WebhookSecret == "" {
			field := "shopify.webhook_secret"
			if len(c.Stores) > 0 {
				field = fmt.Sprintf("stores[%d].webhook_secret", i)
			}
			unsigned = append(unsigned, field)
		}
	}
	errs = append(errs, c.Webhooks.check(unsigned)...)
	return errors.Join(errs...)
}

// validateShopify checks how to reach one store; prefix is "shopify." or "stores[i].".
func (c Config) validateShopify(bad func(field, format string, args ...any), prefix string, s Shopify, shopRequired bool) {
	switch {
	case s.Shop == "" && shopRequired:
		bad(prefix+"shop", "required")
	case s.Shop != "" && !shopName.MatchString(s.Shop):
		bad(prefix+"shop", "%q is not a shop name (letters, digits and dashes, as in {shop}.myshopify.com)", s.Shop)
	}
	if s.BaseURL != "" && !strings.HasPrefix(s.BaseURL, "http://") && !strings.HasPrefix(s.BaseURL, "https://") {
		bad(prefix+"base_url", "%q must start with http:// or https://", s.BaseURL)
	}
	if !apiVersion.MatchString(s.APIVersion) {
		bad(prefix+"api_version", "%q is not YYYY-MM or unstable", s.APIVersion)
	}
	if (s.ClientID == "") != (s.ClientSecret == "") {
		bad(prefix+"client_secret", "client_id and client_secret go together")
	}
	switch s.Plan {
	case "standard", "advanced", "plus":
	default:
		bad(prefix+"plan", "%q is not one of standard, advanced, plus", s.Plan)
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			bad(prefix+"time_zone", "%q is not a time zone of the tz database (e.g. America/New_York)", s.TimeZone)
		}
	}
	for i, l := range s.Locations {
		if strings.TrimSpace(l) == "" {
			bad(fmt.Sprintf("%slocations[%d]", prefix, i), "a location's name or id, not empty")
		}
	}
}

// validateRuns checks what runs for one store: its mappings, mode and feeds; prefix is ""
// for the top level or "stores[i].".
func (c Config) validateRuns(bad func(field, format string, args ...any), prefix string, s Store) {
	if s.Mappings == "" {
		bad(prefix+"mappings", "required")
	}
	if s.Mode != "test" && s.Mode != "live" {
		bad(prefix+"mode", "%q is not test or live", s.Mode)
	}
	f, p := s.Feeds, prefix+"feeds."
	minEvery := Duration(time.Second)
	if f.Orders.Every < minEvery {
		bad(p+"orders.every", "must be at least 1s")
	}
	if f.Orders.Overlap < 0 {
		bad(p+"orders.overlap", "must not be negative")
	}
	if !validClock(f.Orders.DailyAt) {
		bad(p+"orders.daily_at", "%q is not HH:MM", f.Orders.DailyAt)
	}
	if f.Orders.DailyDays < 0 {
		bad(p+"orders.daily_days", "must not be negative")
	}
	if f.Shipments.Every < minEvery {
		bad(p+"shipments.every", "must be at least 1s")
	}
	if f.Inventory.Every < minEvery {
		bad(p+"inventory.every", "must be at least 1s")
	}
	switch f.Inventory.Mode {
	case InventoryOff, InventoryDaily, InventoryLive:
	default:
		bad(p+"inventory.mode", "%q is not one of off, daily, live", f.Inventory.Mode)
	}
	if !validClock(f.Inventory.DailyAt) {
		bad(p+"inventory.daily_at", "%q is not HH:MM", f.Inventory.DailyAt)
	}
	if f.Inventory.CatalogEvery < minEvery {
		bad(p+"inventory.catalog_every", "must be at least 1s")
	}
	s.Alerts.check(bad, prefix+"alerts.")
}

var (
	shopName   = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	apiVersion = regexp.MustCompile(`^(\d{4}-(01|04|07|10)|unstable)$`)
	// schemaName keeps erp.schema a plain identifier, which every database takes quoted or not.
	schemaName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

func validClock(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse("15:04", s)
	return err == nil
}

// Secret is a string that never shows itself in logs, the portal or printed configuration.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString keeps %#v from printing the value too.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps encoders (JSON, YAML) from writing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the value as written, so decoding is not affected by MarshalText.
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// Reveal returns the value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Duration is a time.Duration written the Go way in YAML: "5m", "90s", "1h30m".
type Duration time.Duration

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as "5m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "5m", "90s" and the like.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 5m or 90s", b)
	}
	*d = Duration(v)
	return nil
}
