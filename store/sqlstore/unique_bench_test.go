package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkUniqueAttributeWrite measures what a unique extension
// attribute costs a write: each iteration makes the same write on two
// stores of one database, one whose model declares the badge unique
// (server) and one whose model does not (none), in turn first, and
// reports both times and their ratio (server/none), so that a shared
// machine's drift falls on both alike. Writes: create a user with a
// badge; update a user's badge (UpdateUser, as PATCH and PUT do); update
// its active flag, keeping the badge (the deactivation providers send).
//
//	go test -run '^$' -bench BenchmarkUniqueAttributeWrite -benchtime 300x -count 5 ./store/sqlstore
func BenchmarkUniqueAttributeWrite(b *testing.B) {
	for _, db := range databases() {
		for _, op := range []string{"create", "update-badge", "update-active"} {
			b.Run(db.name+"/"+op, func(b *testing.B) {
				var stores [2]*sqlstore.Store
				var ids [2][]string
				for i, u := range []string{resources.UniquenessNone, resources.UniquenessServer} {
					stores[i] = db.open(b, sqlstore.Config{Model: badgeModel(b, u)})
					if op != "create" {
						for j := range b.N {
							out, err := stores[i].CreateUser(ctx, benchBadgeUser(fmt.Sprintf("u%d", j), fmt.Sprintf("B%d", j)))
							require.NoError(b, err)
							ids[i] = append(ids[i], out.ID)
						}
					}
				}
				var spent [2]time.Duration
				b.ResetTimer()
				for j := range b.N {
					for k := range 2 {
						i := (j + k) % 2 // in turn first
						start := time.Now()
						var err error
						switch op {
						case "create":
							_, err = stores[i].CreateUser(ctx, benchBadgeUser(fmt.Sprintf("u%d", j), fmt.Sprintf("B%d", j)))
						case "update-badge":
							_, err = stores[i].UpdateUser(ctx, ids[i][j], "", func(cur *resources.User) (*resources.User, error) {
								cur.Extensions = badgeExt(fmt.Sprintf("N%d", j))
								return cur, nil
							})
						case "update-active":
							_, err = stores[i].UpdateUser(ctx, ids[i][j], "", func(cur *resources.User) (*resources.User, error) {
								cur.Active = resources.Bool(false)
								return cur, nil
							})
						}
						spent[i] += time.Since(start)
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "ns/none")
				b.ReportMetric(float64(spent[1].Nanoseconds())/float64(b.N), "ns/server")
				b.ReportMetric(float64(spent[1])/float64(spent[0]), "server/none")
			})
		}
	}
}

func badgeExt(v string) map[string]json.RawMessage {
	return map[string]json.RawMessage{budgetURN: json.RawMessage(`{"badge":"` + v + `"}`)}
}

func benchBadgeUser(name, badge string) *resources.User {
	return &resources.User{UserName: name, Active: resources.Bool(true), Extensions: badgeExt(badge)}
}
