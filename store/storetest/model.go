package storetest

import (
	"strings"
	"testing"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// A store built from a model that leaves attributes out
// (resources.ModelConfig.UserAttributes) is never handed them by the
// handler, so the suite must not demand that it keep them: every user and
// group the suite writes goes through fitUser or fitGroup first, which
// clear what the store's model leaves out. The store's Model (a
// store.ModelProvider) tells the suite; a store that is not a
// ModelProvider is held to the full contract. A check whose data or
// queries need an attribute the model leaves out (a filter on title, a
// sort by externalId) is skipped, saying which (needsUser, needsGroup):
// the handler would refuse that filter before the store saw it. The
// checks of writes tell one write from another by a note attribute the
// model keeps (note), so that they run on any model.

// UserAttributesUsed are the user attributes the suite's filter and sort
// cases use (with a group's externalId): a host that narrows its model
// (resources.ModelConfig.UserAttributes, GroupAttributes) further still
// runs the suite, and the checks that need what it left out are skipped,
// each naming the attributes it needs. The list is a valid UserAttributes
// value on its own.
func UserAttributesUsed() []string {
	return []string{"id", "externalId", "meta", "userName", "name", "displayName", "title", "active", "emails", "groups",
		resources.EnterpriseUserSchema + ":employeeNumber", resources.EnterpriseUserSchema + ":department", resources.EnterpriseUserSchema + ":manager"}
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
// (top-level attribute names; enterprise ones with their URN), which the
// check writes and reads back, filters or sorts on.
func (e *env) needsUser(t *testing.T, attrs ...string) {
	t.Helper()
	skipOmitted(t, e.userModel.User, attrs)
}

// needsGroup is needsUser for the group store's model.
func (e *env) needsGroup(t *testing.T, attrs ...string) {
	t.Helper()
	skipOmitted(t, e.groupModel.Group, attrs)
}

func skipOmitted(t *testing.T, rt *resources.ResourceType, attrs []string) {
	t.Helper()
	var out []string
	for _, a := range attrs {
		if rt.Omits(a) {
			out = append(out, a)
		}
	}
	if len(out) > 0 {
		t.Skipf("the store's model leaves out the %s attributes %s, which this check uses (resources.ModelConfig); the rest of the suite still runs", rt.Name, strings.Join(out, ", "))
	}
}

// keepsUser reports whether the user store's model keeps attr: a check
// holds the store to a value only when the handler may write it.
func (e *env) keepsUser(attr string) bool {
	return !e.userModel.User.Omits(attr)
}

// note is a string attribute of a user by which the checks of writes tell
// one write from another: what a replace wrote, what a refused write kept.
type note struct {
	// attr is the top-level attribute the model must keep; path is the
	// attribute path a filter names.
	attr, path string
	get        func(u *resources.User) string
	set        func(u *resources.User, v string)
}

// notes are the note attributes, by preference: title, which the full
// model keeps, then those a narrowed model is likelier to keep.
var notes = []note{
	{"title", "title", func(u *resources.User) string { return u.Title }, func(u *resources.User, v string) { u.Title = v }},
	{"displayName", "displayName", func(u *resources.User) string { return u.DisplayName }, func(u *resources.User, v string) { u.DisplayName = v }},
	{"nickName", "nickName", func(u *resources.User) string { return u.NickName }, func(u *resources.User, v string) { u.NickName = v }},
	{"name", "name.givenName", func(u *resources.User) string {
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

// note returns the first note attribute the user store's model keeps, and
// skips t when it keeps none.
func (e *env) note(t *testing.T) note {
	t.Helper()
	for _, n := range notes {
		if e.keepsUser(n.attr) {
			return n
		}
	}
	attrs := make([]string, len(notes))
	for i, n := range notes {
		attrs[i] = n.attr
	}
	t.Skipf("the store's model keeps none of %s: this check tells one write from another by one of them (resources.ModelConfig); the rest of the suite still runs", strings.Join(attrs, ", "))
	return note{} // not reached: Skipf ends the subtest
}

// user returns a new user named userName whose note is v.
func (n note) user(userName, v string) *resources.User {
	u := &resources.User{UserName: userName}
	n.set(u, v)
	return u
}
