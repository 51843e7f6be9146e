package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// overlap numbers users and groups from separate sequences per tenant
// (user "1", group "1"), as a host store over two tables with their own
// keys does, over a memory store whose UUIDs it maps. It implements what
// the suite's OverlappingUserAndGroupIDs subtest uses (the other methods
// refuse), resolving a member value among the users first, as the
// contract asks, or, with groupFirst, among the groups first. With
// asNumber it finds an id as the number it spells ("07" is "7"), as a
// lookup of the text in an integer column does (SQLite's affinity).
type overlap struct {
	mem        *memory.Store
	groupFirst bool
	asNumber   bool

	mu      sync.Mutex
	next    map[string]int    // tenant+kind: the last number handed out
	toInner map[string]string // tenant+kind+outer id: the memory store's id
	toOuter map[string]string // memory store id: outer id
	isUser  map[string]bool   // memory store id: a user
}

var errOverlapUnsupported = errors.New("overlap: not implemented by this test store")

func newOverlap(groupFirst, asNumber bool, opts ...memory.Option) *overlap {
	return &overlap{mem: memory.New(opts...), groupFirst: groupFirst, asNumber: asNumber, next: map[string]int{}, toInner: map[string]string{}, toOuter: map[string]string{}, isUser: map[string]bool{}}
}

func (o *overlap) name(ctx context.Context, kind, inner string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := store.Tenant(ctx) + "/" + kind
	o.next[k]++
	outer := strconv.Itoa(o.next[k])
	o.toInner[k+"/"+outer] = inner
	o.toOuter[inner] = outer
	o.isUser[inner] = kind == "user"
	return outer
}

func (o *overlap) inner(ctx context.Context, kind, outer string) (string, bool) {
	if n, err := strconv.Atoi(outer); err == nil && o.asNumber {
		outer = strconv.Itoa(n)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	id, ok := o.toInner[store.Tenant(ctx)+"/"+kind+"/"+outer]
	return id, ok
}

// resolve maps a member value to the memory store's id of the user or
// group it names, in the order the store resolves them.
func (o *overlap) resolve(ctx context.Context, outer string) string {
	kinds := []string{"user", "group"}
	if o.groupFirst {
		kinds = []string{"group", "user"}
	}
	for _, k := range kinds {
		if id, ok := o.inner(ctx, k, outer); ok {
			return id
		}
	}
	return "unknown-" + outer
}

func (o *overlap) outerGroup(g *resources.Group) *resources.Group {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := g.Clone()
	c.ID = o.toOuter[g.ID]
	for i, m := range c.Members {
		c.Members[i].Value = o.toOuter[m.Value]
	}
	return c
}

func (o *overlap) CreateUser(ctx context.Context, u *resources.User) (*resources.User, error) {
	out, err := o.mem.CreateUser(ctx, u)
	if err != nil {
		return nil, err
	}
	out.ID = o.name(ctx, "user", out.ID)
	return out, nil
}

func (o *overlap) GetUser(ctx context.Context, id string, opts store.GetOptions) (*resources.User, error) {
	in, ok := o.inner(ctx, "user", id)
	if !ok {
		return nil, fmt.Errorf("%w: user %s", store.ErrNotFound, id)
	}
	u, err := o.mem.GetUser(ctx, in, store.GetOptions{ExcludeGroups: true})
	if err != nil {
		return nil, err
	}
	u.ID = id
	return u, nil
}

func (o *overlap) ListUsers(context.Context, store.Query) (store.Page[*resources.User], error) {
	return store.Page[*resources.User]{}, errOverlapUnsupported
}

func (o *overlap) ReplaceUser(context.Context, *resources.User, string) (*resources.User, error) {
	return nil, errOverlapUnsupported
}

func (o *overlap) DeleteUser(context.Context, string, string) error { return errOverlapUnsupported }

func (o *overlap) CreateGroup(ctx context.Context, g *resources.Group) (*resources.Group, error) {
	c := g.Clone()
	for i, m := range c.Members {
		c.Members[i].Value = o.resolve(ctx, m.Value)
	}
	out, err := o.mem.CreateGroup(ctx, c)
	if err != nil {
		return nil, err
	}
	o.name(ctx, "group", out.ID)
	return o.outerGroup(out), nil
}

func (o *overlap) GetGroup(ctx context.Context, id string, opts store.GetOptions) (*resources.Group, error) {
	in, ok := o.inner(ctx, "group", id)
	if !ok {
		return nil, fmt.Errorf("%w: group %s", store.ErrNotFound, id)
	}
	g, err := o.mem.GetGroup(ctx, in, opts)
	if err != nil {
		return nil, err
	}
	return o.outerGroup(g), nil
}

func (o *overlap) ListGroups(context.Context, store.Query) (store.Page[*resources.Group], error) {
	return store.Page[*resources.Group]{}, errOverlapUnsupported
}

func (o *overlap) ReplaceGroup(context.Context, *resources.Group, string) (*resources.Group, error) {
	return nil, errOverlapUnsupported
}

func (o *overlap) DeleteGroup(ctx context.Context, id, ifVersion string) error {
	in, ok := o.inner(ctx, "group", id)
	if !ok {
		return fmt.Errorf("%w: group %s", store.ErrNotFound, id)
	}
	return o.mem.DeleteGroup(ctx, in, ifVersion)
}

// Model is the memory store's model: the suite fits what it writes to it.
func (o *overlap) Model() *resources.Model { return o.mem.Model() }

func (o *overlap) ModifyMembers(ctx context.Context, groupID string, add, remove []string, ifVersion string) (*resources.Group, error) {
	in, ok := o.inner(ctx, "group", groupID)
	if !ok {
		return nil, fmt.Errorf("%w: group %s", store.ErrNotFound, groupID)
	}
	var a, r []string
	for _, id := range add {
		a = append(a, o.resolve(ctx, id))
	}
	for _, id := range remove {
		r = append(r, o.resolve(ctx, id))
	}
	g, err := o.mem.ModifyMembers(ctx, in, a, r, ifVersion)
	if err != nil {
		return nil, err
	}
	return o.outerGroup(g), nil
}

func (o *overlap) GroupsOf(ctx context.Context, userIDs []string) (map[string][]resources.GroupRef, error) {
	var ins []string
	for _, id := range userIDs {
		if in, ok := o.inner(ctx, "user", id); ok {
			ins = append(ins, in)
		}
	}
	m, err := o.mem.GroupsOf(ctx, ins)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string][]resources.GroupRef{}
	for in, refs := range m {
		for _, r := range refs {
			r.Value = o.toOuter[r.Value]
			out[o.toOuter[in]] = append(out[o.toOuter[in]], r)
		}
	}
	return out, nil
}
