package mapping

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/passthrough-dev/passthrough/record"
	"github.com/shopspring/decimal"
)

// The helper functions a mapping can call, besides expr's own builtins. Each is registered
// with its signatures, so a wrong argument is a load error (`cannot use int as argument
// (type string) to call cut`), and each is pure: it reads its arguments and nothing else.
// mappings/README.md documents them; its examples are run as tests.

// helperDoc is the one-line signature shown when a call goes wrong.
var helperDoc = map[string]string{
	"lookup":     `lookup("table", key[, fallback]) → text`,
	"coalesce":   `coalesce(a, b, …) → the first value that is not nil or empty`,
	"erp_date":   `erp_date(time[, "YYYYMMDD"]) → text`,
	"money":      `money(number[, places or currency]) → decimal rounded half away from zero to the order currency's minor units`,
	"local":      `local(time) → the shop's date and time, without a zone`,
	"cut":        `cut(text, width) → text of at most width characters`,
	"first_name": `first_name(full name) → text`,
	"last_name":  `last_name(full name) → text`,
	"digits":     `digits(text) → only its digits`,
	"has_tag":    `has_tag(order.tags, "tag") → true or false`,
	"attribute":  `attribute(order.note_attributes or line.properties, "name") → text`,
	"units":      `units(number) → whole units, rounded down, never below 0`,
	"fail":       `fail("message") → rejects the record with severity error`,
	"replace":    `replace(text, old, new) → text`,
	"join":       `join(list[, separator]) → text`,
	"split":      `split(text, separator[, n]) → list of at most 1000 parts`,
	"splitAfter": `splitAfter(text, separator[, n]) → list of at most 1000 parts`,
}

// maxParts bounds split: a list an expression walks cannot be larger than this or the
// order's own lists.
const maxParts = 1000

// failError is what fail("…") raises: the record is rejected with exactly this message.
type failError struct{ msg string }

func (e *failError) Error() string { return e.msg }

// lookupMiss is a lookup that found nothing to answer with.
type lookupMiss struct {
	table string
	key   string
}

func (e *lookupMiss) Error() string {
	return fmt.Sprintf("lookup %s has no entry for %q and no _default", e.table, e.key)
}

// lookupTable is one table of a mapping file's lookups block.
type lookupTable struct {
	name    string
	entries map[string]any // values are text, boxed once at load rather than on every lookup
	def     any
	hasDef  bool
	width   int // the longest value, for the column width check
}

// WallClock is the location of the times local() gives: a date and time as the shop's
// clock showed it, with no zone, as an ERP's DATETIME column holds it. Its offset is 0, so
// a store that writes times in UTC writes the wall clock as it is.
var WallClock = time.FixedZone("shop time", 0)

// zoneCache loads each time zone a mapping names once.
type zoneCache struct {
	mu    sync.Mutex
	zones map[string]*time.Location
}

func (z *zoneCache) get(name string) (*time.Location, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.zones[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	if z.zones == nil {
		z.zones = map[string]*time.Location{}
	}
	z.zones[name] = loc
	return loc, nil
}

// local is the wall clock of t in the named zone ("" keeps t's own offset).
func (z *zoneCache) local(t time.Time, zone string) (time.Time, error) {
	if zone != "" {
		loc, err := z.get(zone)
		if err != nil {
			return time.Time{}, err
		}
		t = t.In(loc)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), WallClock), nil
}

// moneyPlaces reads money()'s second argument: places, or a currency whose minor units
// give them.
func moneyPlaces(v any) (int, error) {
	switch x := v.(type) {
	case int:
		if x < 0 || x > 10 {
			return 0, fmt.Errorf("money: places must be between 0 and 10, not %d", x)
		}
		return x, nil
	case string:
		if x == "" {
			return 0, fmt.Errorf("money: the order has no currency to round to; give the places, e.g. money(x, 2)")
		}
		n, ok := record.MinorUnits(x)
		if !ok {
			return 0, fmt.Errorf("money: %q is not a currency ISO 4217 knows; give the places, e.g. money(x, 2)", x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("money: want places or a currency, got %s", typeName(reflect.TypeOf(v)))
}

// helperOptions returns the helpers, bound to one mapping file's lookup tables.
func helperOptions(lookups map[string]*lookupTable) []expr.Option {
	zones := &zoneCache{}
	return []expr.Option{
		expr.Function("lookup", func(p ...any) (any, error) {
			name, _ := p[0].(string)
			t, ok := lookups[name]
			if !ok {
				return nil, fmt.Errorf("no lookup table %q", name)
			}
			key := keyString(p[1])
			if v, ok := t.entries[key]; ok {
				return v, nil
			}
			if len(p) == 3 {
				if s, ok := p[2].(string); ok {
					return s, nil
				}
				return keyString(p[2]), nil
			}
			if t.hasDef {
				return t.def, nil
			}
			return nil, &lookupMiss{table: name, key: key}
		},
			new(func(string, any) string),
			new(func(string, any, any) string),
		),
		expr.Function("coalesce", func(p ...any) (any, error) {
			for _, v := range p {
				if !isEmpty(v) {
					return v, nil
				}
			}
			if len(p) > 0 {
				return p[len(p)-1], nil
			}
			return nil, nil
		},
			new(func(...string) string),
			new(func(...decimal.Decimal) decimal.Decimal),
			new(func(...any) any),
		),
		expr.Function("erp_date", func(p ...any) (any, error) {
			var t time.Time
			switch x := p[0].(type) {
			case time.Time:
				t = x
			case *time.Time:
				if x == nil {
					return "", nil
				}
				t = *x
			case nil:
				return "", nil
			default:
				return nil, fmt.Errorf("erp_date: want a time, got %s", typeName(reflect.TypeOf(p[0])))
			}
			if t.IsZero() {
				return "", nil
			}
			layout := "YYYY-MM-DD"
			if len(p) == 2 {
				layout, _ = p[1].(string)
			}
			return t.Format(goLayout(layout)), nil
		},
			new(func(time.Time) string),
			new(func(time.Time, string) string),
			new(func(*time.Time) string),
			new(func(*time.Time, string) string),
		),
		expr.Function("money", func(p ...any) (any, error) {
			if len(p) != 2 {
				return nil, fmt.Errorf("money: give the places, e.g. money(x, 2)")
			}
			places, err := moneyPlaces(p[1])
			if err != nil {
				return nil, err
			}
			if p[0] == nil {
				return decimal.Zero.Round(int32(places)), nil
			}
			d, err := toDecimal(p[0])
			if err != nil {
				return nil, fmt.Errorf("money: %w", err)
			}
			if _, ok := p[0].(decimal.Decimal); ok && d.Exponent() == int32(-places) {
				return p[0], nil // already rounded: no new value to allocate
			}
			return d.Round(int32(places)), nil
		},
			new(func(decimal.Decimal) decimal.Decimal),
			new(func(decimal.Decimal, int) decimal.Decimal),
			new(func(decimal.Decimal, string) decimal.Decimal),
			new(func(int) decimal.Decimal),
			new(func(int, int) decimal.Decimal),
			new(func(int, string) decimal.Decimal),
			new(func(float64) decimal.Decimal),
			new(func(float64, int) decimal.Decimal),
			new(func(float64, string) decimal.Decimal),
			new(func(any) decimal.Decimal),
			new(func(any, int) decimal.Decimal),
			new(func(any, string) decimal.Decimal),
		),
		expr.Function("local", func(p ...any) (any, error) {
			zone := ""
			if len(p) == 2 {
				zone, _ = p[1].(string)
			}
			switch x := p[0].(type) {
			case time.Time:
				if x.IsZero() {
					return nil, nil
				}
				return zones.local(x, zone)
			case *time.Time:
				if x == nil || x.IsZero() {
					return (*time.Time)(nil), nil
				}
				t, err := zones.local(*x, zone)
				return &t, err
			case nil:
				return nil, nil
			}
			return nil, fmt.Errorf("local: want a time, got %s", typeName(reflect.TypeOf(p[0])))
		},
			new(func(time.Time) time.Time),
			new(func(time.Time, string) time.Time),
			new(func(*time.Time) *time.Time),
			new(func(*time.Time, string) *time.Time),
			new(func(any) any),
			new(func(any, string) any),
		),
		expr.Function("cut", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			n, _ := p[1].(int)
			if n < 0 {
				return nil, fmt.Errorf("cut: width must not be negative, not %d", n)
			}
			if len(s) <= n && p[0] != nil {
				return p[0], nil // already short enough: no new value to allocate
			}
			return cut(s, n), nil
		}, new(func(string, int) string)),
		expr.Function("first_name", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			first, _ := splitName(s)
			return first, nil
		}, new(func(string) string)),
		expr.Function("last_name", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			_, last := splitName(s)
			return last, nil
		}, new(func(string) string)),
		expr.Function("digits", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s), nil
		}, new(func(string) string)),
		expr.Function("has_tag", func(p ...any) (any, error) {
			tags, _ := p[0].(string)
			tag, _ := p[1].(string)
			tag = strings.TrimSpace(tag)
			for t := range strings.SplitSeq(tags, ",") {
				if strings.EqualFold(strings.TrimSpace(t), tag) {
					return true, nil
				}
			}
			return false, nil
		}, new(func(string, string) bool)),
		expr.Function("attribute", func(p ...any) (any, error) {
			name, _ := p[1].(string)
			switch list := p[0].(type) {
			case []*record.NoteAttribute:
				for _, a := range list {
					if a.Name == name {
						return a.Value, nil
					}
				}
			case []*record.Property:
				for _, a := range list {
					if a.Name == name {
						return a.Value, nil
					}
				}
			}
			return "", nil
		},
			new(func([]*record.NoteAttribute, string) string),
			new(func([]*record.Property, string) string),
		),
		expr.Function("units", func(p ...any) (any, error) {
			if p[0] == nil {
				return 0, nil
			}
			d, err := toDecimal(p[0])
			if err != nil {
				return nil, fmt.Errorf("units: %w", err)
			}
			d = d.Floor()
			if d.Sign() < 0 {
				return 0, nil
			}
			if !d.BigInt().IsInt64() {
				return nil, fmt.Errorf("units: %s is too large", d)
			}
			return int(d.IntPart()), nil
		},
			new(func(decimal.Decimal) int),
			new(func(int) int),
			new(func(float64) int),
			new(func(any) int),
		),
		expr.Function("fail", func(p ...any) (any, error) {
			msg := fmt.Sprint(p[0])
			if s, ok := p[0].(string); ok {
				msg = s
			}
			return nil, &failError{msg: cut(msg, 500)}
		}, new(func(string) any)),

		// Text builders, replacing expr's builtins of the same names with versions that
		// cannot build unbounded text or lists.
		expr.Function("replace", func(p ...any) (any, error) {
			s, _ := p[0].(string)
			old, _ := p[1].(string)
			repl, _ := p[2].(string)
			n := strings.Count(s, old)
			if old == "" {
				n = utf8.RuneCountInString(s) + 1
			}
			if len(s)+n*(len(repl)-len(old)) > maxText {
				return nil, errTextTooLong
			}
			return strings.ReplaceAll(s, old, repl), nil
		}, new(func(string, string, string) string)),
		expr.Function("join", func(p ...any) (any, error) {
			sep := ""
			if len(p) == 2 {
				sep, _ = p[1].(string)
			}
			var b strings.Builder
			err := eachItem(p[0], func(i int, v any) error {
				if i > 0 {
					b.WriteString(sep)
				}
				if v != nil {
					b.WriteString(Display(v))
				}
				if b.Len() > maxText {
					return errTextTooLong
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("join: %w", err)
			}
			return b.String(), nil
		}, new(func(any) string), new(func(any, string) string)),
		expr.Function("split", func(p ...any) (any, error) {
			return splitText(p, strings.SplitN)
		}, new(func(string, string) []string), new(func(string, string, int) []string)),
		expr.Function("splitAfter", func(p ...any) (any, error) {
			return splitText(p, strings.SplitAfterN)
		}, new(func(string, string) []string), new(func(string, string, int) []string)),
	}
}

func splitText(p []any, split func(s, sep string, n int) []string) (any, error) {
	s, _ := p[0].(string)
	sep, _ := p[1].(string)
	n := -1
	if len(p) == 3 {
		n, _ = p[2].(int)
	}
	if n < 0 || n > maxParts {
		n = maxParts + 1
	}
	parts := split(s, sep, n)
	if len(parts) > maxParts {
		return nil, fmt.Errorf("split: more than %d parts", maxParts)
	}
	return parts, nil
}

// eachItem calls fn for every element of a list value.
func eachItem(list any, fn func(i int, v any) error) error {
	switch l := list.(type) {
	case []any:
		for i, v := range l {
			if err := fn(i, v); err != nil {
				return err
			}
		}
		return nil
	case []string:
		for i, v := range l {
			if err := fn(i, v); err != nil {
				return err
			}
		}
		return nil
	case nil:
		return nil
	}
	rv := reflect.ValueOf(list)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return fmt.Errorf("want a list, got %s", typeName(rv.Type()))
	}
	for i := 0; i < rv.Len(); i++ {
		if err := fn(i, rv.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// keyString is how a lookup key is read: text as it is, numbers in their usual form.
func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return Display(v)
}

// isEmpty is what coalesce skips: nil, "", a nil pointer, a zero time.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case time.Time:
		return x.IsZero()
	case *time.Time:
		return x == nil || x.IsZero()
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// cut shortens s to at most n characters (runes, so a multi-byte letter is never split).
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// splitName splits a full name at its last space: "Mary Ann Smith" is "Mary Ann" and
// "Smith"; a single word is a first name.
func splitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	i := strings.LastIndexFunc(full, unicode.IsSpace)
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// goLayout turns an ERP-style date layout (YYYY MM DD HH mm ss, YY) into Go's.
func goLayout(layout string) string {
	r := strings.NewReplacer("YYYY", "2006", "YY", "06", "MM", "01", "DD", "02", "HH", "15", "mm", "04", "ss", "05")
	return r.Replace(layout)
}

// layoutProblem says what is wrong with an ERP-style date layout, or "" when it is fine.
func layoutProblem(layout string) string {
	for _, tok := range []string{"yy", "dd", "hh"} {
		if strings.Contains(layout, tok) {
			return fmt.Sprintf("date layout %q has %s in small letters: years, days and hours are written YYYY, DD, HH (mm is minutes)", layout, tok)
		}
	}
	for _, tok := range []string{"YYYY", "YY", "MM", "DD", "HH", "mm", "ss"} {
		if strings.Contains(layout, tok) {
			return ""
		}
	}
	return fmt.Sprintf("date layout %q has no date part", layout)
}
