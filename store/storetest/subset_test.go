package storetest_test

import (
	"context"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/storetest"
)

// subsetModels are the models of the "subset-*" stores TestBrokenStores
// runs the suite on: storetest.NarrowedModels' "columns" (a host's users
// table with a few columns) and "subattrs" (columns holding some
// sub-attributes only: given_name, family_name, email), and one with the
// attributes no model may leave out and nothing more.
var subsetModels = func() map[string]resources.ModelConfig {
	out := map[string]resources.ModelConfig{
		"subset-required": {
			UserAttributes:  []string{"id", "meta", "userName", "active"},
			GroupAttributes: []string{"id", "meta", "displayName", "members"},
		},
	}
	for _, nm := range storetest.NarrowedModels() {
		out["subset-"+nm.Name] = nm.Config
	}
	return out
}()

// subset is a memory store built from a narrowed model that, as a host's
// table without a column for them would, keeps none of the attributes
// the model leaves out: the suite must not ask it for them.
type subset struct {
	*memory.Store
	model *resources.Model
}

func newSubset(cfg resources.ModelConfig) *subset {
	m := subsetModel(cfg)
	return &subset{Store: memory.New(memory.WithModel(m)), model: m}
}

// subsetModel is the model cfg describes.
func subsetModel(cfg resources.ModelConfig) *resources.Model {
	m, err := resources.NewModel(cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// user returns a copy of u without what the model leaves out (nil for nil).
func (s *subset) user(u *resources.User) *resources.User {
	if u == nil {
		return nil
	}
	u = u.Clone()
	s.model.FitUser(u)
	return u
}

// group is user for a group.
func (s *subset) group(g *resources.Group) *resources.Group {
	if g == nil {
		return nil
	}
	g = g.Clone()
	s.model.FitGroup(g)
	return g
}

// fitted wraps an updater's change so that what it writes is fitted too.
func fitted[R any](change func(R) (R, error), fit func(R) R) func(R) (R, error) {
	return func(cur R) (R, error) {
		next, err := change(cur)
		return fit(next), err
	}
}

func (s *subset) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	return s.Store.CreateUser(ctx, s.user(u))
}

func (s *subset) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	return s.Store.ReplaceUser(ctx, s.user(u), ifVersion)
}

func (s *subset) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, error) {
	return s.Store.UpdateUser(ctx, id, ifVersion, fitted(change, s.user))
}

func (s *subset) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	return s.Store.CreateGroup(ctx, s.group(g))
}

func (s *subset) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	return s.Store.ReplaceGroup(ctx, s.group(g), ifVersion)
}

func (s *subset) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	return s.Store.UpdateGroup(ctx, id, ifVersion, withMembers, fitted(change, s.group))
}
