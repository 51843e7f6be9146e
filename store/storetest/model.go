package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// A store built from a model that leaves attributes out
// (resources.ModelConfig.UserAttributes) is never handed them by the
// handler, so the suite must not demand that it keep them: every user and
// group the suite writes goes through fitUser or fitGroup first, which
// clear what the store's model leaves out (but for
// Users/ListStoredBeforeNarrowing, which writes users as a store kept them
// before its model was narrowed, and holds its lists to what a GET of
// them shows). The store's Model (a
// store.ModelProvider) tells the suite; a store that is not a
// ModelProvider is held to the full contract. A check that cannot do
// without an attribute the model leaves out (the groups of a user in
// IndirectGroups) is skipped, saying which (needsUser). The
// checks of lists run case by case instead (userCase, groupCase): a case
// whose filter or sortBy names an attribute the model leaves out, which
// the handler refuses before a store sees it, is logged and left out,
// and every other case runs on the data as fitted, so that a store which
// compiles filters to its own queries is held to them on whatever model
// it keeps. The checks of writes tell one write from another by a note
// attribute the model keeps (note), and the checks of sorting sort by
// it, so that they run on any model.

// UserAttributesUsed are the user attributes the suite's filter and sort
// cases use (with a group's externalId): a host that narrows its model
// (resources.ModelConfig.UserAttributes, GroupAttributes) further still
// runs the suite, and the checks and the cases of lists that need what it
// left out are skipped, each naming the attributes it needs. The list is
// a valid UserAttributes value on its own.
func UserAttributesUsed() []string {
	return []string{"id", "externalId", "meta", "userName", "name", "displayName", "title", "active", "emails", "groups",
		resources.EnterpriseUserSchema + ":employeeNumber", resources.EnterpriseUserSchema + ":department", resources.EnterpriseUserSchema + ":manager"}
}

// NarrowedModel is a narrowed model (resources.ModelConfig) by name, one
// of NarrowedModels.
type NarrowedModel struct {
	// Name names the model's subtest: "used", "columns" or "subattrs".
	Name string
	// Config is the model's configuration, for resources.NewModel.
	Config resources.ModelConfig
}

// NarrowedModels are the narrowed models RunNarrowed runs the suite on:
// "used" keeps the attributes the suite's filter and sort cases use
// (UserAttributesUsed); "columns" those of a users table with a few
// columns, each attribute whole; "subattrs" those of a users table with
// the columns user_name, given_name, family_name, email and active
// (name.givenName, name.familyName, emails.value); "values" narrows
// multi-valued attributes kept in a document or in tables of their own
// (addresses, emails, phoneNumbers) to some sub-attributes each, without
// their primary, and the enterprise extension to its department. The
// slice is new.
func NarrowedModels() []NarrowedModel {
	groups := []string{"id", "meta", "displayName", "members"}
	return []NarrowedModel{
		{"used", resources.ModelConfig{UserAttributes: UserAttributesUsed()}},
		{"columns", resources.ModelConfig{
			UserAttributes:  []string{"id", "meta", "userName", "name", "emails", "active"},
			GroupAttributes: groups,
		}},
		{"subattrs", resources.ModelConfig{
			UserAttributes:  []string{"id", "meta", "userName", "name.givenName", "name.familyName", "emails.value", "active"},
			GroupAttributes: groups,
		}},
		{"values", resources.ModelConfig{
			UserAttributes: []string{"id", "meta", "userName", "active", "title", "name.familyName",
				"emails.value", "emails.type", "phoneNumbers.value", "addresses.locality", "addresses.type",
				resources.EnterpriseUserSchema + ":department"},
			GroupAttributes: groups,
		}},
	}
}

// RunNarrowed runs the suite (Run) on stores built from each of
// NarrowedModels, in a subtest named after it: for a store that can be
// built from any model, as store/memory and store/sqlstore can. open
// builds the stores from the model, once for the model's subtest.
func RunNarrowed(t *testing.T, open func(t *testing.T, m *resources.Model) Stores) {
	t.Helper()
	for _, nm := range NarrowedModels() {
		t.Run(nm.Name, func(t *testing.T) {
			m, err := resources.NewModel(nm.Config)
			if err != nil {
				t.Fatalf("storetest: the narrowed model %q: %v", nm.Name, err)
			}
			s := open(t, m)
			Run(t, func(*testing.T) Stores { return s })
		})
	}
}

// modelOf returns the model s was built from, or the default model.
func modelOf(s any) *resources.Model {
	if mp, ok := s.(store.ModelProvider); ok && mp.Model() != nil {
		return mp.Model()
	}
	return resources.DefaultModel()
}

// fitUser clears, in place, the attributes of u the user store's model
// leaves out: the handler never writes them.
func (e *env) fitUser(u *resources.User) {
	e.userModel.FitUser(u)
}

// fitGroup is fitUser for a group.
func (e *env) fitGroup(g *resources.Group) {
	e.groupModel.FitGroup(g)
}

// needsUser skips t when the user store's model leaves out one of attrs
// (attribute or sub-attribute paths; enterprise ones with their URN),
// which the check writes and reads back, filters or sorts on.
func (e *env) needsUser(t *testing.T, attrs ...string) {
	t.Helper()
	skipOmitted(t, e.userModel.User, attrs)
}

func skipOmitted(t *testing.T, rt *resources.ResourceType, attrs []string) {
	t.Helper()
	if out := omittedBy(rt, store.Query{}, attrs); len(out) > 0 {
		t.Skipf("the store's model leaves out the %s attributes %s, which this check uses (resources.ModelConfig); the rest of the suite still runs", rt.Name, strings.Join(out, ", "))
	}
}

// userCase reports whether one case of a check of lists, querying q,
// runs on the user store's model: whether the model keeps every
// attribute q's filter and sortBy name, and data, those the case's answer
// rests on without naming them. A case that needs one the model leaves
// out is logged, naming it (go test -v shows it), and the check goes on
// with its other cases.
func (e *env) userCase(t *testing.T, q store.Query, data ...string) bool {
	t.Helper()
	return caseRuns(t, e.userModel.User, q, data)
}

// groupCase is userCase for the group store's model.
func (e *env) groupCase(t *testing.T, q store.Query, data ...string) bool {
	t.Helper()
	return caseRuns(t, e.groupModel.Group, q, data)
}

func caseRuns(t *testing.T, rt *resources.ResourceType, q store.Query, data []string) bool {
	t.Helper()
	out := omittedBy(rt, q, data)
	if len(out) > 0 {
		t.Logf("skipped the case %s: the store's model leaves out the %s attributes %s, which it uses%s (resources.ModelConfig); the check's other cases run", describe(q), rt.Name, strings.Join(out, ", "), noteAlternatives(rt, out))
	}
	return len(out) == 0
}

// omittedBy returns the attributes rt leaves out among the paths of q's
// filter, its sortBy and attrs, each once, or nil.
func omittedBy(rt *resources.ResourceType, q store.Query, attrs []string) []string {
	var out []string
	add := func(p string) {
		if rt.Omits(p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if q.Filter != nil {
		for _, p := range rt.OmittedIn(q.Filter) {
			add(p)
		}
	}
	add(q.SortBy)
	for _, a := range attrs {
		add(a)
	}
	return out
}

// unasked is what a failure of a list of q adds when q names an attribute
// the model rt leaves out ("" when it names none): the handler refuses
// such a filter or sortBy, so a store may too, and the suite should have
// left the case out.
func unasked(rt *resources.ResourceType, q store.Query) string {
	out := omittedBy(rt, q, nil)
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprintf(". But the store's model leaves out the %s attributes %s, which this query names: the handler refuses it, so the store need not answer it; a bug in the suite, please report it", rt.Name, strings.Join(out, ", "))
}

// keepsUser reports whether the user store's model keeps attr: a check
// holds the store to a value only when the handler may write it.
func (e *env) keepsUser(attr string) bool {
	return !e.userModel.User.Omits(attr)
}

// note is a string attribute of a user by which the checks of writes tell
// one write from another: what a replace wrote, what a refused write kept.
type note struct {
	// path is the attribute (or sub-attribute) path the model must keep,
	// which a filter or sortBy names.
	path string
	get  func(u *resources.User) string
	set  func(u *resources.User, v string)
}

// notes are the note attributes, by preference: title, which the full
// model keeps, then those a narrowed model is likelier to keep.
var notes = []note{
	{"title", func(u *resources.User) string { return u.Title }, func(u *resources.User, v string) { u.Title = v }},
	{"displayName", func(u *resources.User) string { return u.DisplayName }, func(u *resources.User, v string) { u.DisplayName = v }},
	{"nickName", func(u *resources.User) string { return u.NickName }, func(u *resources.User, v string) { u.NickName = v }},
	{"name.givenName", func(u *resources.User) string {
		if u.Name == nil {
			return ""
		}
		return u.Name.GivenName
	}, func(u *resources.User, v string) {
		if u.Name == nil {
			u.Name = &resources.Name{}
		}
		u.Name.GivenName = v
	}},
}

// notePaths lists the note attributes for a message: "title,
// displayName, nickName, name.givenName".
func notePaths() string {
	paths := make([]string, len(notes))
	for i, n := range notes {
		paths[i] = n.path
	}
	return strings.Join(paths, ", ")
}

// note returns the first note attribute the user store's model keeps, and
// skips t when it keeps none.
func (e *env) note(t *testing.T) note {
	t.Helper()
	if n, ok := keptNote(e.userModel.User); ok {
		return n
	}
	t.Skipf("the store's model keeps none of %s: this check tells one write from another by one of them (resources.ModelConfig); the rest of the suite still runs", notePaths())
	return note{} // not reached: Skipf ends the subtest
}

// keptNote returns the first note attribute the user store's model keeps
// and true, or, when it keeps none, the first of all (title) and false: a
// check of lists sorts or filters by it anyway, and userCase leaves out
// the cases that do, naming it and the alternatives.
func (e *env) keptNote() (note, bool) {
	return keptNote(e.userModel.User)
}

func keptNote(rt *resources.ResourceType) (note, bool) {
	for _, n := range notes {
		if !rt.Omits(n.path) {
			return n, true
		}
	}
	return notes[0], false
}

// noteAlternatives is what a skipped case adds when one of the attributes
// it needs, out, is the note attribute of a User type rt that keeps none:
// any of them would have done.
func noteAlternatives(rt *resources.ResourceType, out []string) string {
	if rt.Name != "User" || !slices.Contains(out, notes[0].path) {
		return ""
	}
	if _, ok := keptNote(rt); ok {
		return ""
	}
	return fmt.Sprintf(" (%s is the check's note attribute: any of %s would do, the first the model keeps, and it keeps none)", notes[0].path, notePaths())
}

// user returns a new user named userName whose note is v, or who has
// none when v is "" (not even an empty name).
func (n note) user(userName, v string) *resources.User {
	u := &resources.User{UserName: userName}
	if v != "" {
		n.set(u, v)
	}
	return u
}
