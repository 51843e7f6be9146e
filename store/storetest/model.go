package storetest

import (
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// A store built from a model that leaves attributes out
// (resources.ModelConfig.UserAttributes) is never handed them by the
// handler, so the suite must not demand that it keep them: every user and
// group the suite writes goes through fitUser or fitGroup first, which
// clear what the store's model leaves out. The store's Model (a
// store.ModelProvider) tells the suite; a store that is not a
// ModelProvider is held to the full contract.

// UserAttributesUsed are the user attributes the suite's filter and sort
// cases use (with a group's externalId, which a subset cannot drop): a
// host that narrows its model (resources.ModelConfig.UserAttributes) must
// keep at least these to run the suite whole. The list is a valid
// UserAttributes value on its own.
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
