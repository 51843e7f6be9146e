package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

var testParser = filter.Parser{Schemas: resources.NewUserType().SchemaURNs()}

func mustParse(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := testParser.Parse(s)
	require.NoError(t, err, s)
	return e
}

// TestPlanUsesIndexes checks which filters are answered from an index.
func TestPlanUsesIndexes(t *testing.T) {
	s := New()
	ctx := context.Background()
	u, err := s.CreateUser(ctx, &resources.User{UserName: "Alice", ExternalID: "e1", Emails: []resources.MultiValue{{Value: "a@x.example", Type: "work"}}})
	require.NoError(t, err)
	_, err = s.CreateUser(ctx, &resources.User{UserName: "bob", ExternalID: "e1"})
	require.NoError(t, err)
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "Admins", ExternalID: "g1", Members: []resources.Member{{Value: u.ID}}})
	require.NoError(t, err)
	tn, _ := s.tenant(ctx, false)

	users := []struct {
		filter  string
		indexed bool
		cands   int
	}{
		{`userName eq "ALICE"`, true, 1},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"`, true, 1},
		{`externalId eq "e1"`, true, 2},
		{`id eq "` + u.ID + `"`, true, 1},
		{`emails eq "A@x.example"`, true, 1},
		{`emails.value eq "a@x.example"`, true, 1},
		{`emails[value eq "a@x.example"]`, true, 1},
		{`emails[type eq "work"].value eq "a@x.example"`, true, 1},
		{`emails[type eq "work" and (value eq "a@x.example" or value eq "b@x.example")]`, true, 1},
		{`userName eq "alice" and title pr`, true, 1},
		{`title pr and externalId eq "e1"`, true, 2},
		{`userName eq "alice" and externalId eq "e1"`, true, 1},
		{`userName eq "alice" or userName eq "bob"`, true, 2},
		{`userName eq "alice" or externalId eq "e1"`, true, 2},
		{`groups[value eq "` + g.ID + `"]`, true, 1},
		{`userName eq "nobody"`, true, 0},
		{`userName ne "alice"`, false, 0},
		{`userName sw "a"`, false, 0},
		{`userName eq "alice" or title pr`, false, 0},
		{`not (userName eq "alice")`, false, 0},
		{`emails[type eq "work"]`, false, 0},
		{`emails.type eq "work"`, false, 0},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`, false, 0},
	}
	for _, tt := range users {
		cands, ok := s.planUsers(tn, mustParse(t, tt.filter))
		assert.Equal(t, tt.indexed, ok, tt.filter)
		if ok {
			assert.Len(t, cands, tt.cands, tt.filter)
		}
	}
	groups := []struct {
		filter  string
		indexed bool
	}{
		{`displayName eq "admins"`, true},
		{`externalId eq "g1"`, true},
		{`id eq "` + g.ID + `"`, true},
		{`members[value eq "` + strings.ToUpper(u.ID) + `"]`, true},
		{`members.value eq "` + u.ID + `"`, true},
		{`members eq "` + u.ID + `" and displayName sw "a"`, true},
		{`displayName sw "a"`, false},
		{`members pr`, false},
	}
	for _, tt := range groups {
		cands, ok := s.planGroups(tn, mustParse(t, tt.filter))
		assert.Equal(t, tt.indexed, ok, tt.filter)
		if ok {
			assert.Len(t, cands, 1, tt.filter)
		}
	}
}

// TestIndexMatchesScan compares every indexed answer with a brute-force
// evaluation of the filter over all documents.
func TestIndexMatchesScan(t *testing.T) {
	s := New()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"anna", "ANNA2", "Ben", "straße", "STRASSE", "ſam", "Sam", "kelvin", "\u212Aelvin", "Åsa", "åsa2"}
	var docs []map[string]any
	var ids []string
	for i := range 300 {
		name := fmt.Sprintf("%s-%d", names[i%len(names)], i/len(names))
		if i%len(names) == 0 {
			name = names[i/len(names)%len(names)] + "x"
		}
		u := &resources.User{
			UserName:   name,
			ExternalID: fmt.Sprintf("Ext-%d", rng.IntN(20)),
			Emails: []resources.MultiValue{
				{Value: fmt.Sprintf("%s@Example.com", names[rng.IntN(len(names))]), Type: []string{"work", "home"}[rng.IntN(2)]},
				{Value: fmt.Sprintf("u%d@example.org", rng.IntN(50)), Type: "other"},
			},
		}
		out, err := s.CreateUser(ctx, u)
		if err != nil {
			require.ErrorIs(t, err, store.ErrConflict)
			continue
		}
		ids = append(ids, out.ID)
	}
	// Replace and delete some, to exercise index maintenance.
	var renamed []string // the names before and after a rename
	for i, id := range ids {
		switch i % 7 {
		case 0:
			require.NoError(t, s.DeleteUser(ctx, id, ""))
		case 1:
			u, err := s.GetUser(ctx, id, store.GetOptions{})
			require.NoError(t, err)
			u.ExternalID = "Ext-replaced"
			u.Emails = u.Emails[:1]
			_, err = s.ReplaceUser(ctx, u, "")
			require.NoError(t, err)
		case 2, 3:
			// Every index key kept (the entries are left as they are),
			// the second with its userName in another case.
			u, err := s.GetUser(ctx, id, store.GetOptions{})
			require.NoError(t, err)
			u.Title = "kept"
			if i%7 == 3 {
				u.UserName = strings.ToUpper(u.UserName)
			}
			_, err = s.ReplaceUser(ctx, u, "")
			require.NoError(t, err)
		case 4, 5:
			// One key changed, the others kept: its email, or its
			// externalId.
			u, err := s.GetUser(ctx, id, store.GetOptions{})
			require.NoError(t, err)
			if i%7 == 4 {
				u.Emails[0].Value = names[(i+1)%len(names)] + "@example.com"
			} else {
				u.ExternalID = "Ext-changed"
			}
			_, err = s.ReplaceUser(ctx, u, "")
			require.NoError(t, err)
		case 6:
			u, err := s.GetUser(ctx, id, store.GetOptions{})
			require.NoError(t, err)
			renamed = append(renamed, u.UserName)
			u.UserName = fmt.Sprintf("renamed-%d", i)
			renamed = append(renamed, u.UserName)
			_, err = s.ReplaceUser(ctx, u, "")
			require.NoError(t, err)
		}
	}
	all, err := s.ListUsers(ctx, store.Query{StartIndex: 1, Count: 1000})
	require.NoError(t, err)
	for _, u := range all.Items {
		d, err := resources.ToMap(u)
		require.NoError(t, err)
		docs = append(docs, d)
	}
	ev := query.NewEvaluator(resources.NewUserType())
	var filters []string
	for _, n := range names {
		filters = append(filters,
			`userName eq "`+n+`x"`, `userName eq "`+strings.ToUpper(n)+`X"`,
			`emails eq "`+n+`@example.com"`, `emails[type eq "work" and value eq "`+strings.ToUpper(n)+`@EXAMPLE.COM"]`,
		)
		// Lookups by userName alone, which the name index answers without
		// evaluating the filter: deleted and replaced users among them.
		for k := range 4 {
			filters = append(filters, fmt.Sprintf(`userName eq "%s-%d"`, n, k), fmt.Sprintf(`userName eq "%s-%d"`, strings.ToUpper(n), k))
		}
	}
	for i := range 22 {
		filters = append(filters, fmt.Sprintf(`externalId eq "Ext-%d"`, i), fmt.Sprintf(`externalId eq "ext-%d"`, i), fmt.Sprintf(`externalId eq "ext-%d" or externalId eq "Ext-%d"`, i, i+1))
	}
	filters = append(filters, `externalId eq "Ext-replaced" and emails.value eq "u3@example.org"`, `emails.value eq "U7@EXAMPLE.ORG"`, `externalId eq "Ext-changed"`)
	for _, n := range renamed {
		filters = append(filters, `userName eq "`+n+`"`)
	}
	for _, f := range filters {
		e := mustParse(t, f)
		var want []string
		for _, d := range docs {
			ok, err := ev.Match(e, d)
			require.NoError(t, err)
			if ok {
				want = append(want, d["id"].(string))
			}
		}
		p, err := s.ListUsers(ctx, store.Query{Filter: e, StartIndex: 1, Count: 1000})
		require.NoError(t, err)
		var got []string
		for _, u := range p.Items {
			got = append(got, u.ID)
		}
		assert.Equal(t, want, got, f)
	}
}

func TestFoldKey(t *testing.T) {
	words := []string{"", "a", "A", "abc", "ABC", "aBc", "straße", "STRASSE", "STRAẞE", "ſ", "s", "S", "k", "K", "\u212A", "Å", "å", "\u212B", "σ", "ς", "Σ", "ǅ", "ǆ", "Ǆ", "ÿ", "Ÿ", "İ", "i", "ı", "I", "\xff"}
	for _, a := range words {
		for _, b := range words {
			assert.Equal(t, strings.EqualFold(a, b), foldKey(a) == foldKey(b), "%q vs %q", a, b)
		}
	}
}

func TestVersionMatches(t *testing.T) {
	for v, want := range map[string]bool{`W/"3"`: true, `"3"`: true, `3`: true, `w/"3"`: true, ` W/"3" `: true, `W/"4"`: false, `W/3"`: false, ``: false, `W/""`: false, `"`: false} {
		assert.Equal(t, want, versionMatches(v, 3), v)
	}
}

func TestMemberListCompaction(t *testing.T) {
	var l memberList
	for i := range 500 {
		l.add(fmt.Sprint(i))
	}
	for i := 0; i < 500; i += 3 {
		assert.True(t, l.remove(fmt.Sprint(i)))
		assert.False(t, l.remove(fmt.Sprint(i)))
	}
	for i := range 400 {
		if i%3 != 0 {
			assert.True(t, l.remove(fmt.Sprint(i)))
		}
	}
	l.add("0")
	var got []string
	l.each(func(id string) { got = append(got, id) })
	var want []string
	for i := 400; i < 500; i++ {
		if i%3 != 0 {
			want = append(want, fmt.Sprint(i))
		}
	}
	want = append(want, "0")
	assert.Equal(t, want, got)
	assert.Equal(t, len(want), l.len())
	assert.Less(t, len(l.ids), 250, "compacted")
	for i, id := range l.ids {
		if id != "" {
			assert.Equal(t, i, l.pos[id])
		}
	}
}

// TestGroupsReadFillUnread: a page record whose groups the filter did
// not read (no candidate, or a candidate doc never saw) gets its own
// groups, never another candidate's.
func TestGroupsReadFillUnread(t *testing.T) {
	s := New()
	ctx := context.Background()
	ann, err := s.CreateUser(ctx, &resources.User{UserName: "ann"})
	require.NoError(t, err)
	bob, err := s.CreateUser(ctx, &resources.User{UserName: "bob"})
	require.NoError(t, err)
	cy, err := s.CreateUser(ctx, &resources.User{UserName: "cy"})
	require.NoError(t, err)
	_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "ann's", Members: []resources.Member{{Value: ann.ID}}})
	require.NoError(t, err)
	_, err = s.CreateGroup(ctx, &resources.Group{DisplayName: "bob's", Members: []resources.Member{{Value: bob.ID}}})
	require.NoError(t, err)
	tn, _ := s.tenant(ctx, false)
	recs := []*userRec{tn.users[ann.ID], tn.users[bob.ID], tn.users[cy.ID]}

	for _, tc := range []struct {
		name  string
		cands []*userRec // cy is never one: bob, when a candidate, is not read
		read  []*userRec
	}{
		{"every record read", recs[:2], recs[:2]},
		{"a candidate unread", recs[:2], recs[:1]},
		{"no record read", recs[:2], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGroupsRead(tc.cands, len(recs))
			for _, r := range tc.read {
				g.doc(tn, r)
			}
			users := make([]*resources.User, len(recs))
			for i := range users {
				users[i] = &resources.User{}
			}
			g.fill(tn, recs, users)
			want := []string{"ann's", "bob's", ""}
			for i, u := range users {
				got := ""
				if len(u.Groups) > 0 {
					require.Len(t, u.Groups, 1, "user %d", i)
					got = u.Groups[0].Display
				}
				assert.Equal(t, want[i], got, "user %d's groups", i)
			}
		})
	}
}
