package storetest_test

import (
	"context"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// subsetModels are the models of the "subset-*" stores TestBrokenStores
// runs the suite on: a host's users table with a few columns, and one
// with the attributes no model may leave out and nothing more.
var subsetModels = map[string]resources.ModelConfig{
	"subset-columns": {
		UserAttributes:  []string{"id", "meta", "userName", "name", "emails", "active"},
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	},
	"subset-required": {
		UserAttributes:  []string{"id", "meta", "userName", "active"},
		GroupAttributes: []string{"id", "meta", "displayName", "members"},
	},
}

// subset is a memory store built from a narrowed model that, as a host's
// table without a column for them would, keeps none of the attributes
// the model leaves out: the suite must not ask it for them.
type subset struct {
	*memory.Store
	model *resources.Model
}

func newSubset(cfg resources.ModelConfig) *subset {
	m, err := resources.NewModel(cfg)
	if err != nil {
		panic(err)
	}
	return &subset{Store: memory.New(memory.WithModel(m)), model: m}
}

func (s *subset) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	u = u.Clone()
	s.model.FitUser(u)
	return s.Store.CreateUser(ctx, u)
}

func (s *subset) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	u = u.Clone()
	s.model.FitUser(u)
	return s.Store.ReplaceUser(ctx, u, ifVersion)
}

func (s *subset) UpdateUser(ctx context.Context, id, ifVersion string, change func(cur *resources.User) (*resources.User, error)) (*resources.User, error) {
	return s.Store.UpdateUser(ctx, id, ifVersion, func(cur *resources.User) (*resources.User, error) {
		next, err := change(cur)
		if next != nil {
			next = next.Clone()
			s.model.FitUser(next)
		}
		return next, err
	})
}

func (s *subset) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	g = g.Clone()
	s.model.FitGroup(g)
	return s.Store.CreateGroup(ctx, g)
}

func (s *subset) ReplaceGroup(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
	g = g.Clone()
	s.model.FitGroup(g)
	return s.Store.ReplaceGroup(ctx, g, ifVersion)
}

func (s *subset) UpdateGroup(ctx context.Context, id, ifVersion string, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	return s.Store.UpdateGroup(ctx, id, ifVersion, withMembers, func(cur *resources.Group) (*resources.Group, error) {
		next, err := change(cur)
		if next != nil {
			next = next.Clone()
			s.model.FitGroup(next)
		}
		return next, err
	})
}
