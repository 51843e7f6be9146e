package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/store/sqlstore"
)

// The raw-values tests hold the SQL sqlstore compiles for pr and for the
// element a sort reads, a second spelling of the rules resources.Assigned
// and query.SortsByPrimary keep, to those rules. TestPresentSQLIsAssigned
// evaluates pr's SQL on each of a table of raw JSON values directly.
// TestRawValuesAgree writes users holding them in a host extension (whose
// values a store keeps as the host wrote them, but for what holds no
// value: a store keeps a user compacted, as its document reads back) and
// in a core multi-valued attribute (as far as the typed User lets a value
// through), and requires that pr, its negation and a sort answer alike on
// the memory store, on each SQL database and in query.Select over the
// users each store returns.

const rawExt = "urn:example:params:scim:schemas:extension:raw:2.0:User"

// rawSchema declares an attribute of each shape pr compiles differently
// for (a complex one, a string, a multi-valued string), and "loose",
// which it leaves out (a filter may not name it, but it is kept). cards is a multi-valued complex
// attribute with a primary, which a sort by cards.serial reads.
func rawSchema(t testing.TB) *resources.Schema {
	s, err := resources.NewSchema(rawExt, "Raw", "",
		&resources.Attribute{Name: "blob", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "a", Type: resources.TypeString},
		}},
		&resources.Attribute{Name: "text", Type: resources.TypeString},
		&resources.Attribute{Name: "list", Type: resources.TypeString, MultiValued: true},
		&resources.Attribute{Name: "cards", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "serial", Type: resources.TypeString, CaseExact: true},
			{Name: "primary", Type: resources.TypeBoolean},
		}},
	)
	require.NoError(t, err)
	return s
}

// rawValues are the values each user's extension attributes hold, one
// user per value: those holding no value by resources.Assigned first.
var rawValues = []string{
	`null`, `""`, `[]`, `{}`, `[null]`, `[""]`, `[{}]`, `{"a":""}`, `{"a":[null]}`, `[[]]`, `[{"a":[{}]}]`, `{"a":{"b":[""]}}`,
	`" "`, `0`, `false`, `true`, `"x"`, `[0]`, `[false]`, `["x"]`, `[null,"x"]`, `[[""],["x"]]`, `{"a":0}`, `{"a":" "}`,
	`{"a":[null,{"b":false}]}`, `[{"a":""},{"b":"y"}]`, `-0.0`, `"\t"`,
	// The other shape than the schema's: a list in a single-valued
	// attribute (text, blob), a single value in a multi-valued one (list).
	`["y","x"]`, `[{"a":"x"}]`, `[{"b":"y"},{"a":"w"}]`, `{"a":["x","v"]}`,
}

// rawPrimaries are the values of "primary" on the second of two cards
// ("" leaves it out): RFC 7643 §2.4 makes primary a boolean, and only
// a JSON true marks the card primary.
var rawPrimaries = []string{`true`, `"true"`, `"True"`, `1`, `"1"`, `false`, `null`, ``, `"false"`, `{}`}

// rawCards are values of cards, a multi-valued complex attribute, of
// another shape than a list of objects.
var rawCards = []string{`{"serial":"c00"}`, `"c01"`, `[{"serial":["c02","b"]}]`, `[{"serial":"c03"},"c"]`}

// rawEmails are core multi-valued values the typed User lets through.
var rawEmails = [][]resources.MultiValue{
	nil, {}, {{Value: ""}}, {{Type: "work"}}, {{Value: "e@x"}}, {{Display: "d"}}, {{Value: "", Type: "home"}, {Value: "f@x"}},
}

func rawUsers() []*resources.User {
	var out []*resources.User
	for i, v := range rawValues {
		out = append(out, &resources.User{
			UserName:   fmt.Sprintf("v%02d", i),
			Extensions: map[string]json.RawMessage{rawExt: json.RawMessage(fmt.Sprintf(`{"blob":%[1]s,"text":%[1]s,"list":%[1]s,"loose":%[1]s}`, v))},
		})
	}
	for i, p := range rawPrimaries {
		second := fmt.Sprintf(`{"serial":"a%02d"}`, i)
		if p != "" {
			second = fmt.Sprintf(`{"serial":"a%02d","primary":%s}`, i, p)
		}
		out = append(out, &resources.User{
			UserName:   fmt.Sprintf("p%02d", i),
			Extensions: map[string]json.RawMessage{rawExt: json.RawMessage(fmt.Sprintf(`{"cards":[{"serial":"z%02d"},%s]}`, i, second))},
		})
	}
	for i, v := range rawCards {
		out = append(out, &resources.User{
			UserName:   fmt.Sprintf("c%02d", i),
			Extensions: map[string]json.RawMessage{rawExt: json.RawMessage(`{"cards":` + v + `}`)},
		})
	}
	for i, es := range rawEmails {
		out = append(out, &resources.User{UserName: fmt.Sprintf("e%02d", i), Emails: es})
	}
	return out
}

// TestPresentSQLIsAssigned: the SQL pr compiles for a value held in the
// document answers as resources.AssignedJSON does, for every raw value
// and each kind of attribute, those a store write never leaves in a
// document (null, "", a list or an object of nothing else) included.
func TestPresentSQLIsAssigned(t *testing.T) {
	leaves := []*resources.Attribute{
		nil,
		{Name: "blob", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{{Name: "a", Type: resources.TypeString}}},
		{Name: "text", Type: resources.TypeString},
		{Name: "exact", Type: resources.TypeString, CaseExact: true},
		{Name: "list", Type: resources.TypeString, MultiValued: true},
		{Name: "flag", Type: resources.TypeBoolean},
		{Name: "level", Type: resources.TypeInteger},
		{Name: "hired", Type: resources.TypeDateTime},
		{Name: "ref", Type: resources.TypeReference},
	}
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{})
		for _, leaf := range leaves {
			name := "undeclared"
			if leaf != nil {
				name = leaf.Name
			}
			for _, raw := range rawValues {
				held, err := s.PresentForTest(ctx, leaf, raw)
				require.NoError(t, err, "%s %s", name, raw)
				assert.Equal(t, resources.AssignedJSON([]byte(raw)), held, "%s holding %s", name, raw)
			}
		}
	})
}

func TestRawValuesAgree(t *testing.T) {
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{rawSchema(t)}})
	require.NoError(t, err)
	parser := filter.Parser{Schemas: m.User.SchemaURNs()}
	ev := query.NewEvaluator(m.User)

	stores := []struct {
		name string
		open func(t *testing.T) store.UserStore
	}{{"memory", func(*testing.T) store.UserStore { return memory.New(memory.WithModel(m)) }}}
	for _, db := range databases() {
		stores = append(stores, struct {
			name string
			open func(t *testing.T) store.UserStore
		}{db.name, func(t *testing.T) store.UserStore { return db.open(t, sqlstore.Config{Model: m}) }})
	}

	names := func(us []*resources.User) []string {
		out := []string{}
		for _, u := range us {
			out = append(out, u.UserName)
		}
		return out
	}
	// stored is the value attribute attr of the raw extension holds in u
	// as the store keeps it (nil when it keeps none).
	stored := func(t *testing.T, u *resources.User, attr string) json.RawMessage {
		raw, ok := u.Extensions[rawExt]
		if !ok {
			return nil
		}
		var obj map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &obj), "%s: %s", u.UserName, raw)
		return obj[attr]
	}

	x := rawExt + ":"
	filters := []string{
		`emails pr`, `not (emails pr)`, `emails.value pr`, `emails[value pr]`,
	}
	for _, f := range []string{
		`cards[primary eq true]`, `cards.primary eq true`, `cards.primary eq false`, `cards.primary ne true`,
		`cards.primary pr`, `cards.primary eq "true"`, `cards[primary eq true].serial sw "a"`,
	} {
		filters = append(filters, x+f)
	}
	for _, a := range []string{"blob", "text", "list"} {
		filters = append(filters, x+a+` pr`, `not (`+x+a+` pr)`)
	}
	// A value of the other shape than the schema's is what a GET shows
	// (the stored document): a list stands for its elements, a single
	// value (an object) of a multi-valued attribute for a list of it,
	// in a filter and in a sort alike.
	for _, f := range []string{
		`@text eq "x"`, `not (@text eq "x")`, `@text sw "x"`, `@text gt "w"`, `@list eq "x"`, `not (@list eq "x")`, `@list co "x"`,
		`@blob.a eq "x"`, `not (@blob.a eq "x")`, `@blob.a pr`, `@blob[a eq "x"]`, `not (@blob[a eq "w"])`, `@blob[not (a pr)]`,
		`@cards.serial eq "c00"`, `@cards.serial sw "c0"`, `@cards[serial eq "c02"]`, `@cards[not (serial pr)]`, `@cards.serial eq "c"`,
	} {
		filters = append(filters, strings.ReplaceAll(f, "@", x))
	}
	sorts := []string{"", x + "cards.serial", "emails.value", "emails", x + "blob.a", x + "cards.primary", x + "text", x + "list"}

	for _, tc := range stores {
		t.Run(tc.name, func(t *testing.T) {
			users := tc.open(t)
			for _, u := range rawUsers() {
				_, err := users.CreateUser(ctx, u)
				require.NoError(t, err, u.UserName)
			}
			all, err := users.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1000})
			require.NoError(t, err)
			require.Len(t, all.Items, len(rawUsers()))

			// pr of each extension attribute is resources.AssignedJSON
			// of the value the store keeps.
			for _, a := range []string{"blob", "text", "list"} {
				want := []string{}
				for _, u := range all.Items {
					if v := stored(t, u, a); v != nil && resources.AssignedJSON(v) {
						want = append(want, u.UserName)
					}
				}
				e, err := parser.Parse(x + a + " pr")
				require.NoError(t, err)
				p, err := users.ListUsers(ctx, store.Query{Filter: e, StartIndex: 1, Count: 1000})
				require.NoError(t, err)
				assert.Equal(t, want, names(p.Items), "%s pr against resources.AssignedJSON", a)
			}

			for _, f := range filters {
				for _, s := range sorts {
					for _, desc := range []bool{false, true} {
						q := store.Query{SortBy: s, Descending: desc, StartIndex: 1, Count: 1000}
						e, err := parser.Parse(f)
						require.NoError(t, err, f)
						q.Filter = e
						want, err := query.Select(ev, q, all.Items, query.UserDoc)
						require.NoError(t, err, "%s by %q", f, s)
						got, err := users.ListUsers(ctx, q)
						require.NoError(t, err, "%s by %q", f, s)
						label := fmt.Sprintf("filter %s sortBy %q desc %v", f, s, desc)
						assert.Equal(t, names(want.Items), names(got.Items), label)
						assert.Equal(t, want.Total, got.Total, label)
					}
				}
			}
		})
	}
}
