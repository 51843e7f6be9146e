package query

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scimkit/scim/store"
)

// Position is a place in a sorted walk (store.UserCursorLister,
// store.GroupCursorLister): the sort key
// of the resource last returned and its creation sequence, the pair every
// store of this module orders by. A walk goes on with the resources whose
// pair sorts after it, so resources created or deleted meanwhile move no
// other resource: none is returned twice, none that stayed is skipped.
type Position struct {
	// Key is the sort key of the resource last returned.
	Key SortKey
	// Seq is its creation sequence, which breaks ties between keys.
	Seq int64
}

// After reports whether (k, seq) sorts after p in a walk sorted by key,
// descending when desc; ties of the key go by ascending seq, also when
// desc, as SortStable orders them.
func (p Position) After(k SortKey, seq int64, desc bool) bool {
	return compareKeySeq(k, seq, p.Key, p.Seq, desc) > 0
}

// positionJSON is the encoded form of a Position; its fields are SortKey's.
type positionJSON struct {
	Seq     int64   `json:"q"`
	Present bool    `json:"p,omitempty"`
	Kind    int     `json:"k,omitempty"`
	Exact   bool    `json:"x,omitempty"`
	S       string  `json:"s,omitempty"`
	I       int64   `json:"i,omitempty"`
	F       float64 `json:"f,omitempty"`
	IsInt   bool    `json:"n,omitempty"`
	T       string  `json:"t,omitempty"`
	B       bool    `json:"b,omitempty"`
}

// positionPrefix versions the encoding, so that a store can tell its own
// positions from others.
const positionPrefix = "g1."

// String encodes p as a printable, URL-safe string (ParsePosition reads
// it back).
func (p Position) String() string {
	k := p.Key
	j := positionJSON{Seq: p.Seq, Present: k.present, Kind: k.kind, Exact: k.exact, S: k.s, I: k.n.i, F: k.n.f, IsInt: k.n.isInt, B: k.b}
	if k.kind == kindTime && k.present {
		j.T = k.t.Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(j)
	return positionPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParsePosition decodes a position made by Position.String. Anything else
// gives an error wrapping store.ErrInvalidCursor.
func ParsePosition(s string) (Position, error) {
	bad := func(why string) (Position, error) {
		return Position{}, fmt.Errorf("%w: %s", store.ErrInvalidCursor, why)
	}
	if len(s) < len(positionPrefix) || s[:len(positionPrefix)] != positionPrefix {
		return bad("not a position of this store")
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(positionPrefix):])
	if err != nil {
		return bad("not base64url")
	}
	var j positionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return bad("not a position document")
	}
	if j.Kind < kindRaw || j.Kind > kindTime {
		return bad("unknown key kind")
	}
	k := SortKey{present: j.Present, kind: j.Kind, exact: j.Exact, s: j.S, n: num{i: j.I, f: j.F, isInt: j.IsInt}, b: j.B}
	if j.Kind == kindTime && j.Present {
		if k.t, err = time.Parse(time.RFC3339Nano, j.T); err != nil {
			return bad("bad time")
		}
	}
	if !k.present {
		k = SortKey{}
	}
	return Position{Key: k, Seq: j.Seq}, nil
}

// SelectAfter is Select for a cursor walk (store.UserCursorLister): of
// items, a host's rows in creation order with seq giving each one's
// creation sequence (unique, increasing), it keeps those whose document
// matches q.Filter and that sort after the position after ("" for the
// start), sorted by q.SortBy then seq, and returns the first q.Count with
// their positions and whether more follow. q.StartIndex is ignored. The
// cost is that of Select: a store that pages large tenants answers with
// a keyset query instead.
func SelectAfter[T any](ev *Evaluator, q store.Query, items []T, doc func(T) (map[string]any, error), seq func(T) int64, after string) (store.CursorPage[T], error) {
	page := store.CursorPage[T]{Items: []T{}, Positions: []string{}}
	m, sorter, err := ev.compileQuery(q)
	if err != nil {
		return page, err
	}
	var from *Position
	if after != "" {
		p, err := ParsePosition(after)
		if err != nil {
			return page, err
		}
		from = &p
	}
	type hit struct {
		key SortKey
		seq int64
		v   T
	}
	var hits []hit
	for _, it := range items {
		d, err := doc(it)
		if err != nil {
			return page, err
		}
		if !m.Match(d) {
			continue
		}
		h := hit{seq: seq(it), v: it}
		if sorter != nil {
			h.key = sorter.Key(d)
		}
		if from != nil && !from.After(h.key, h.seq, q.Descending) {
			continue
		}
		hits = append(hits, h)
	}
	if sorter != nil { // else the items came in creation order, as a walk wants
		SortStable(hits, q.Descending, func(h hit) (SortKey, int64) { return h.key, h.seq })
	}
	n := max(0, min(q.Count, len(hits)))
	for _, h := range hits[:n] {
		page.Items = append(page.Items, h.v)
		page.Positions = append(page.Positions, Position{Key: h.key, Seq: h.seq}.String())
	}
	page.More = len(hits) > n
	return page, nil
}
