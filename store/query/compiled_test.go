package query

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// otherMatcher is a store.Matcher that is not a *Matcher.
type otherMatcher struct{}

func (otherMatcher) Match(map[string]any) bool { return true }

// TestSelectUsesCompiledFilter: QueryMatcher, and so Select and
// SelectAfter, use a Query's
// Compiled only when Compile made it from that very Filter for their
// Evaluator's resource type; in every other case they compile Filter
// themselves, so a stale or foreign Compiled never changes an answer.
func TestSelectUsesCompiledFilter(t *testing.T) {
	model := resources.DefaultModel()
	ev := NewEvaluator(model.User)
	parse := func(s string) filter.Expr {
		e, err := filter.Parser{}.Parse(s)
		require.NoError(t, err)
		return e
	}
	e := parse(`userName eq "a"`)
	compiled, err := ev.Compile(e)
	require.NoError(t, err)
	// spy stands for compiled with a matcher that records its use and
	// matches everything, so that using it shows in the answer.
	used := false
	spy := &Matcher{fn: func(map[string]any) bool { used = true; return true }, rt: compiled.rt, e: compiled.e}

	docs := []map[string]any{{"userName": "a"}, {"userName": "b"}}
	for _, tc := range []struct {
		name     string
		filter   filter.Expr
		compiled store.Matcher
		used     bool
	}{
		{"compiled from this Filter", e, spy, true},
		{"from an equal but other Filter", parse(`userName eq "a"`), spy, false},
		{"for another resource type", e, &Matcher{fn: spy.fn, rt: model.Group, e: e}, false},
		{"from CompileElement", e, &Matcher{fn: spy.fn}, false},
		{"not a *Matcher", e, otherMatcher{}, false},
		{"a nil *Matcher", e, (*Matcher)(nil), false},
		{"none", e, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := store.Query{Filter: tc.filter, Compiled: tc.compiled, StartIndex: 1, Count: 10}
			doc := func(d map[string]any) (map[string]any, error) { return d, nil }
			want := 1 // compiled by Select: only userName "a"
			if tc.used {
				want = 2 // the spy matches everything
			}

			m, err := ev.QueryMatcher(q)
			require.NoError(t, err)
			assert.Equal(t, tc.used, m == spy)

			used = false
			page, err := Select(ev, q, docs, doc)
			require.NoError(t, err)
			assert.Equal(t, tc.used, used)
			assert.Equal(t, want, page.Total)

			used = false
			cur, err := SelectAfter(ev, q, docs, doc, func(d map[string]any) int64 { return int64(d["userName"].(string)[0]) }, "")
			require.NoError(t, err)
			assert.Equal(t, tc.used, used)
			assert.Len(t, cur.Items, want)
		})
	}
}

// TestCompileBuildsSecretsOnce: the type's secret set, which every
// message of a Compile conceals by, is built once per Compile and shared
// by its Conversions (it was built again for each), and still conceals
// the operand of a secret and shows any other.
func TestCompileBuildsSecretsOnce(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:once:2.0:User", "Once", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "badge", Type: resources.TypeString},
		&resources.Attribute{Name: "keys", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString}, {Name: "spare", Type: resources.TypeBoolean}}})
	require.NoError(t, err)
	rt := resources.NewUserType(ext)
	e, err := filter.Parser{Schemas: rt.SchemaURNs()}.Parse(ext.ID + `:pin eq 1 or ` + ext.ID + `:badge eq 2 or ` + ext.ID + `:keys[spare eq "true"]`)
	require.NoError(t, err)
	m, err := NewEvaluator(rt).Compile(e)
	require.NoError(t, err)
	conv := m.Conversions()
	require.Len(t, conv, 3)
	require.NotNil(t, conv[0].secrets, "the type has a secret (pin)")
	for _, c := range conv[1:] {
		assert.Same(t, conv[0].secrets, c.secrets, "one set per Compile")
	}
	assert.Contains(t, conv[0].Warning(), "[REDACTED")
	assert.Contains(t, conv[1].Warning(), `"2"`)
	assert.Contains(t, conv[2].Warning(), `"true"`)
}
