package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

var endedTests = []test{
	{"Writes/EndedContextAnswersTheTruth", testEndedContext},
}

// testEndedContext: a write (each of UserStore and GroupStore, and the
// optional UpdateUser, UpdateGroup and ModifyMembersChecked of a store
// that has them) called with a context that has ended (cancelled, or
// past its deadline, as the handler's StoreTimeout makes it) either fails and writes nothing, or succeeds and is stored: its
// error, which the handler answers 503 and a provider retries, never
// hides a write that was made (store.ErrUnavailable). A store may check
// the context first and write nothing, or not wait and write; both
// answer the truth.
func testEndedContext(t *testing.T, e *env) {
	const rule = "(store.ErrUnavailable: a write's error must mean nothing was written)"
	ended := map[string]func() context.Context{
		"cancelled": func() context.Context {
			ctx, cancel := context.WithCancel(e.ctx)
			cancel()
			return ctx
		},
		"past its deadline": func() context.Context {
			ctx, cancel := context.WithDeadline(e.ctx, time.Now().Add(-time.Second))
			t.Cleanup(cancel)
			return ctx
		},
	}
	// agree fails t unless what's answer err is the truth about the write:
	// nil and the store shows it (written), or an error and it does not.
	agree := func(t *testing.T, what string, err error, written bool) {
		t.Helper()
		switch {
		case err == nil && !written:
			t.Errorf("%s answered nil under an ended context, but the store does not show its write: a nil answer means the write is stored %s", what, rule)
		case err != nil && written:
			t.Errorf("%s answered %q under an ended context, but the store shows its write: the handler answers that error 503 and the provider retries a write that was made %s", what, err, rule)
		}
	}
	for how, ctx := range ended {
		t.Run(how, func(t *testing.T) {
			u := e.createUser(t, &resources.User{UserName: "ended-" + randomHex(4), Active: resources.Bool(true)})

			name := "ended-new-" + randomHex(4)
			nu := &resources.User{UserName: name, Active: resources.Bool(true)}
			e.fitUser(nu)
			created, err := e.users.CreateUser(ctx(), nu)
			page := e.listUsers(t, store.Query{Filter: parse(t, `userName eq "`+name+`"`)})
			if err != nil {
				assert.Zero(t, page.Total, "CreateUser failed (%v) but stored the user %s", err, rule)
			} else {
				require.NotNil(t, created)
				assert.Equal(t, 1, page.Total, "CreateUser succeeded but stored nothing %s", rule)
			}

			// The user writes change active, which no model leaves out
			// (resources.ModelConfig), so the check runs on every store.
			next := u.Clone()
			next.Active = resources.Bool(false)
			_, err = e.users.ReplaceUser(ctx(), next, "")
			got := e.getUser(t, u.ID, store.GetOptions{}, "the user ReplaceUser was called on")
			agree(t, "ReplaceUser", err, !got.IsActive())

			if up := e.userUp; up != nil {
				want := !got.IsActive()
				_, err = up.UpdateUser(ctx(), u.ID, "", func(cur *resources.User) (*resources.User, error) {
					next := cur.Clone()
					next.Active = resources.Bool(want)
					return next, nil
				})
				got := e.getUser(t, u.ID, store.GetOptions{}, "the user UpdateUser was called on")
				agree(t, "UpdateUser", err, got.IsActive() == want)
			}

			if e.groups != nil {
				gname := "ended-new-" + randomHex(4)
				ng := &resources.Group{DisplayName: gname}
				e.fitGroup(ng)
				created, err := e.groups.CreateGroup(ctx(), ng)
				gpage := e.listGroups(t, store.Query{Filter: parse(t, `displayName eq "`+gname+`"`)})
				if err != nil {
					assert.Zero(t, gpage.Total, "CreateGroup failed (%v) but stored the group %s", err, rule)
				} else {
					require.NotNil(t, created)
					assert.Equal(t, 1, gpage.Total, "CreateGroup succeeded but stored nothing %s", rule)
				}

				g := e.createGroup(t, &resources.Group{DisplayName: "ended-" + randomHex(4)})
				renamed := "ended-renamed-" + randomHex(4)
				ng = g.Clone()
				ng.DisplayName = renamed
				_, err = e.groups.ReplaceGroup(ctx(), ng, "")
				got := e.getGroup(t, g.ID, store.GetOptions{}, "the group ReplaceGroup was called on")
				agree(t, "ReplaceGroup", err, got.DisplayName == renamed)

				if up := e.groupUp; up != nil {
					updated := "ended-updated-" + randomHex(4)
					_, err = up.UpdateGroup(ctx(), g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
						next := cur.Clone()
						next.DisplayName = updated
						return next, nil
					})
					got := e.getGroup(t, g.ID, store.GetOptions{}, "the group UpdateGroup was called on")
					agree(t, "UpdateGroup", err, got.DisplayName == updated)
				}

				_, err = e.groups.ModifyMembers(ctx(), g.ID, []string{u.ID}, nil, "")
				got = e.getGroup(t, g.ID, store.GetOptions{}, "the group ModifyMembers was called on")
				agree(t, "ModifyMembers", err, len(got.Members) == 1)

				if cm := e.checkedUp; cm != nil {
					// A second user: the first may be a member already.
					v := e.createUser(t, &resources.User{UserName: "ended-member-" + randomHex(4), Active: resources.Bool(true)})
					_, err = cm.ModifyMembersChecked(ctx(), g.ID, []string{v.ID}, nil, "", func(*resources.Group) error { return nil })
					got := e.getGroup(t, g.ID, store.GetOptions{}, "the group ModifyMembersChecked was called on")
					agree(t, "ModifyMembersChecked", err, slices.Contains(memberIDs(got.Members), v.ID))
					_ = e.users.DeleteUser(e.ctx, v.ID, "")
				}

				err = e.groups.DeleteGroup(ctx(), g.ID, "")
				_, gerr := e.groups.GetGroup(e.ctx, g.ID, store.GetOptions{})
				agree(t, "DeleteGroup", err, gerr != nil)
			}

			err = e.users.DeleteUser(ctx(), u.ID, "")
			_, gerr := e.users.GetUser(e.ctx, u.ID, store.GetOptions{})
			agree(t, "DeleteUser", err, gerr != nil)
		})
	}
}
