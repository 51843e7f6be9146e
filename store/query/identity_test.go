package query_test

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/secure/precis"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

func TestIdentityKey(t *testing.T) {
	key := func(s string) string {
		k, ok := query.IdentityKey(s)
		if !ok {
			return "<none>"
		}
		return k
	}
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"case", "BJensen@Example.com", "bjensen@example.com", true},
		{"NFC and NFD", "caf\u00e9", "cafe\u0301", true},
		{"full-width letters", "\uff42\uff4a\uff45\uff4e\uff53\uff45\uff4e", "bjensen", true},
		{"trailing space", "bjensen ", "bjensen", true},
		{"inner spaces collapse", "Barbara  Jensen", "barbara jensen", true},
		{"no-break space", "Barbara\u00a0Jensen", "barbara jensen", true},
		{"long s is s (NFKC, as strings.EqualFold)", "\u017fam", "sam", true},
		{"Cyrillic a is not Latin a", "\u0430dmin", "admin", false},
		{"different names", "bjensen", "bjensen2", false},
		{"German sharp s", "stra\u00dfe", "strasse", false},
		{"Greek capitals", "\u03c3\u03bf\u03c6\u03b9\u03b1", "\u03a3\u039f\u03a6\u0399\u0391", true},
		{"Greek accent is not dropped", "\u03c3\u03bf\u03c6\u03af\u03b1", "\u03c3\u03bf\u03c6\u03b9\u03b1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := key(tc.a), key(tc.b)
			assert.NotEqual(t, "<none>", ka)
			if tc.same {
				assert.Equal(t, ka, kb)
			} else {
				assert.NotEqual(t, ka, kb)
			}
		})
	}
	for _, bad := range []string{"", "   ", "a\u200db", "a\u0000b", "a\u0007b"} {
		_, ok := query.IdentityKey(bad)
		assert.False(t, ok, "%q has no key", bad)
	}
}

// TestIdentityKeyASCIIFastPath: the fast path gives what the profile gives.
func TestIdentityKeyASCIIFastPath(t *testing.T) {
	for _, s := range []string{"bjensen", "BJensen@Example.com", "Barbara Jensen", "a b", "x!#$%&'*+-/=?^_`{|}~", "Z"} {
		want, err := precis.Nickname.CompareKey(s)
		require.NoError(t, err, s)
		got, ok := query.IdentityKey(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, got, s)
	}
}

// TestIdentityKeyKeepsEqualFold: names equal under strings.EqualFold have
// one key, for every rune with case partners. store/sqlstore keeps its
// unique index on the Fold column beside the key's, so the key must never
// tell apart two names the fold merges (or that index would refuse a
// name every other store accepts).
func TestIdentityKeyKeepsEqualFold(t *testing.T) {
	for r := rune(0x80); r <= 0x1ffff; r++ {
		if unicode.SimpleFold(r) == r {
			continue
		}
		a := "x" + string(r)
		ka, ok := query.IdentityKey(a)
		if !ok {
			continue
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			b := "x" + string(f)
			kb, ok := query.IdentityKey(b)
			if !ok {
				continue
			}
			require.Equal(t, ka, kb, "%U and %U are equal under strings.EqualFold", r, f)
		}
	}
}

// TestNameKey: caseExact names are their own key, names without an
// identity key fall back to Fold.
func TestNameKey(t *testing.T) {
	for _, tc := range []struct {
		name  string
		exact bool
		want  string
	}{
		{"BJensen", false, "bjensen"},
		{"cafe\u0301", false, "caf\u00e9"},
		{"cafe\u0301", true, "cafe\u0301"},
		{"A\u0007B", false, "a\u0007b"},
		{"", false, ""},
	} {
		assert.Equal(t, tc.want, query.NameKey(tc.name, tc.exact), "%+q exact=%v", tc.name, tc.exact)
	}
}

// TestNameOperandKey: a substring operand keeps a space at either end
// (as one space), which the key of a whole name trims.
func TestNameOperandKey(t *testing.T) {
	for _, tc := range []struct {
		op   filter.Op
		s    string
		want string
	}{
		{filter.Eq, "John ", "john"},
		{filter.Gt, "cafe\u0301", "caf\u00e9"},
		{filter.Sw, "John ", "john "},
		{filter.Sw, "John\u00a0\u00a0", "john "},
		{filter.Ew, " Smith", " smith"},
		{filter.Co, "  a  B  ", " a b "},
		{filter.Co, "   ", " "},
		{filter.Co, "", ""},
		{filter.Sw, "CAFE\u0301", "caf\u00e9"},
		{filter.Sw, "\uff4a\uff4f", "jo"},
		{filter.Sw, "A\u0007 ", "a\u0007 "}, // no identity key: folded as sent
	} {
		assert.Equal(t, tc.want, query.NameOperandKey(tc.op, tc.s), "%s %+q", tc.op, tc.s)
	}
}

// TestMatchNameOperators: every operator on a unique name compares its
// NameKey with the operand's NameOperandKey, so that what eq finds the
// others find with the same operand; before, all but eq and ne folded the
// name as sent, and sw "cafe\u0301" did not find the "caf\u00e9" eq found.
func TestMatchNameOperators(t *testing.T) {
	ev := query.NewEvaluator(resources.NewUserType())
	for _, tc := range []struct {
		stored, filter string
		want           bool
	}{
		{"caf\u00e9", `userName eq "CAFE\u0301"`, true},
		{"caf\u00e9", `userName sw "cafe\u0301"`, true},
		{"caf\u00e9", `userName co "AFE\u0301"`, true},
		{"caf\u00e9", `userName ew "e\u0301"`, true},
		{"caf\u00e9", `userName ge "cafe\u0301"`, true},
		{"caf\u00e9", `userName le "cafe\u0301"`, true},
		{"caf\u00e9", `userName gt "cafe\u0301"`, false},
		{"caf\u00e9", `userName lt "cafe\u0301"`, false},
		{"caf\u00e9", `userName sw "cafe"`, false}, // é is not e
		{"\uff4a\uff4f\uff45", `userName sw "JO"`, true},
		{"John Smith", `userName sw "john "`, true},
		{"Johnny", `userName sw "john "`, false},
		{"John  Smith ", `userName ew "n smith"`, true},
		{"John Smith", `userName co "N  S"`, true},
		// Not the unique name: folded as sent.
		{"caf\u00e9", `displayName sw "cafe\u0301"`, false},
	} {
		doc := map[string]any{"userName": tc.stored, "displayName": tc.stored}
		got, err := ev.Match(parse(t, tc.filter), doc)
		require.NoError(t, err, tc.filter)
		assert.Equal(t, tc.want, got, "%+q on %+q", tc.filter, tc.stored)
	}
}

// TestNameConflict: the message names the holder, escaped when both
// names hold non-ASCII characters.
func TestNameConflict(t *testing.T) {
	for _, tc := range []struct {
		name, existing, want string
	}{
		{"bjensen", "", `store: conflict: userName "bjensen" is already taken`},
		{"bjensen", "bjensen", `store: conflict: userName "bjensen" is already taken`},
		{"BJensen", "bjensen", `store: conflict: userName "BJensen" is already taken as "bjensen": names are compared after Unicode normalisation (NFKC), width and case folding`},
		{"cafe\u0301", "caf\u00e9", `store: conflict: userName "cafe` + "\u0301" + `" ("cafe\u0301") is already taken as "caf` + "\u00e9" + `" ("caf\u00e9"): names are compared after Unicode normalisation (NFKC), width and case folding`},
	} {
		err := query.NameConflict("userName", tc.name, tc.existing)
		require.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, tc.want, err.Error())
	}
}

// TestSortNameByKey: a sort by the unique name orders by its NameKey,
// the key every filter operator compares, so that "userName gt X" finds
// exactly the names the sort puts after X, and a cursor walk (SelectAfter)
// returns them in that order. Before, the sort folded the name as sent:
// the full-width "ａlice" came last, "cafe\u0301" before "cafz".
func TestSortNameByKey(t *testing.T) {
	ev := query.NewEvaluator(resources.NewUserType())
	// In NameKey order: alice, bob, cafz, café, finn.
	want := []string{"\uff41lice", "Bob", "cafz", "cafe\u0301", "\ufb01nn"}
	docs := []map[string]any{}
	for _, i := range []int{4, 2, 0, 3, 1} {
		docs = append(docs, map[string]any{"userName": want[i]})
	}
	for _, tc := range []struct {
		name  string
		desc  bool
		order []string
	}{
		{"ascending", false, want},
		{"descending", true, []string{want[4], want[3], want[2], want[1], want[0]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := store.Query{SortBy: "userName", Descending: tc.desc, Count: 2}
			var got []string
			after := ""
			for range want {
				page, err := query.SelectAfter(ev, q, docs, func(d map[string]any) (map[string]any, error) { return d, nil },
					func(d map[string]any) int64 { return int64(len(d["userName"].(string))) }, after)
				require.NoError(t, err)
				for _, d := range page.Items {
					got = append(got, d["userName"].(string))
				}
				if !page.More {
					break
				}
				after = page.Positions[len(page.Positions)-1]
			}
			assert.Equal(t, tc.order, got, "a walk sorted by userName")
		})
	}
	for i, x := range want {
		for j, y := range want {
			got, err := ev.Match(parse(t, `userName gt "`+x+`"`), map[string]any{"userName": y})
			require.NoError(t, err)
			assert.Equal(t, j > i, got, "%+q gt %+q: the sort puts it %s", y, x, map[bool]string{true: "after", false: "not after"}[j > i])
			c, err := ev.Compare("userName", map[string]any{"userName": y}, map[string]any{"userName": x})
			require.NoError(t, err)
			assert.Equal(t, j > i, c > 0, "Compare(%+q, %+q)", y, x)
		}
	}
}
