package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

func benchUser(i int) *resources.User {
	return &resources.User{
		UserName:    fmt.Sprintf("user%06d@example.com", i),
		ExternalID:  fmt.Sprintf("ext-%d", i),
		DisplayName: fmt.Sprintf("User %d", i),
		Name:        &resources.Name{GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i)},
		Active:      new(bool),
		Emails:      []resources.MultiValue{{Value: fmt.Sprintf("user%06d@example.com", i), Type: "work", Primary: resources.Bool(true)}},
	}
}

// seeded returns a store holding n users and their ids.
func seeded(b *testing.B, n int) (*memory.Store, []string) {
	b.Helper()
	s := memory.New()
	ids := make([]string, n)
	for i := range n {
		u, err := s.CreateUser(context.Background(), benchUser(i))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	return s, ids
}

func BenchmarkCreateUser(b *testing.B) {
	s := memory.New()
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.CreateUser(ctx, benchUser(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetUser(b *testing.B) {
	s, ids := seeded(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.GetUser(ctx, ids[i%len(ids)], store.GetOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchListUsers100k lists the users matching filter among 100,000 (a
// page of up to 100), which must number total.
func benchListUsers100k(b *testing.B, filterText string, total int) {
	s, _ := seeded(b, 100_000)
	ctx := context.Background()
	e, err := filter.Parse(filterText)
	if err != nil {
		b.Fatal(err)
	}
	q := store.Query{Filter: e, StartIndex: 1, Count: 100}
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.ListUsers(ctx, q)
		if err != nil || p.Total != total {
			b.Fatal(p.Total, err)
		}
	}
}

// BenchmarkListUsersEqUserName100k: an Okta/Entra lookup among 100,000
// users, answered from the userName index.
func BenchmarkListUsersEqUserName100k(b *testing.B) {
	benchListUsers100k(b, `userName eq "USER054321@example.com"`, 1)
}

// BenchmarkListUsersPlanned100k: a filter the plan answers from two
// indexes (emails and userName, an "or" of them) among 100,000 users, which
// the lookup of BenchmarkListUsersEqUserName100k, answered before any
// plan, does not reach.
func BenchmarkListUsersPlanned100k(b *testing.B) {
	benchListUsers100k(b, `emails.value eq "user054321@example.com" or userName eq "USER012345@example.com"`, 2)
}

// BenchmarkListUsersScan100k: a filter no index answers, for comparison.
func BenchmarkListUsersScan100k(b *testing.B) {
	benchListUsers100k(b, `name.familyName eq "family54321"`, 1)
}

// BenchmarkModifyMembers100k adds (and removes) one member of a group of
// 100,000 members.
func BenchmarkModifyMembers100k(b *testing.B) {
	s, ids := seeded(b, 100_001)
	ctx := context.Background()
	g, err := s.CreateGroup(ctx, &resources.Group{DisplayName: "everyone"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.ModifyMembers(ctx, g.ID, ids[:100_000], nil, ""); err != nil {
		b.Fatal(err)
	}
	extra := []string{ids[100_000]}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		var err error
		if i%2 == 0 {
			_, err = s.ModifyMembers(ctx, g.ID, extra, nil, "")
		} else {
			_, err = s.ModifyMembers(ctx, g.ID, nil, extra, "")
		}
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListGroupsExcludeMembers1k pages through 1,000 groups of 100
// members each without loading members (PingFederate's group discovery).
func BenchmarkListGroupsExcludeMembers1k(b *testing.B) {
	s, ids := seeded(b, 100)
	ctx := context.Background()
	members := make([]resources.Member, len(ids))
	for i, id := range ids {
		members[i] = resources.Member{Value: id}
	}
	for i := range 1000 {
		if _, err := s.CreateGroup(ctx, &resources.Group{DisplayName: fmt.Sprintf("group %d", i), Members: members}); err != nil {
			b.Fatal(err)
		}
	}
	q := store.Query{StartIndex: 1, Count: 1000, ExcludeMembers: true}
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.ListGroups(ctx, q)
		if err != nil || len(p.Items) != 1000 {
			b.Fatal(len(p.Items), err)
		}
	}
}

// BenchmarkCreateUserNonASCII: CreateUser with a userName outside the
// ASCII fast path of query.IdentityKey (the PRECIS profile runs).
func BenchmarkCreateUserNonASCII(b *testing.B) {
	s := memory.New()
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		u := benchUser(i)
		u.UserName = fmt.Sprintf("Jos\u00e9-%06d@example.com", i)
		if _, err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
