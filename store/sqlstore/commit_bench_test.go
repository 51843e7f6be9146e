package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkWriteUnderDeadline is what a write costs called as the handler
// calls it, with a context that has a deadline (scim.Config.StoreTimeout)
// and can end: a create (a transaction on SQLite, one statement on
// PostgreSQL) and a one-member change (a transaction on both), the
// member added on even iterations and removed on odd ones.
func BenchmarkWriteUnderDeadline(b *testing.B) {
	tctx := store.WithTenant(ctx, "bench")
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			u, err := s.CreateUser(tctx, &resources.User{UserName: "member"})
			require.NoError(b, err)
			g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "team"})
			require.NoError(b, err)
			ops := []struct {
				name  string
				write func(ctx context.Context, i int) error
			}{
				{"CreateUser", func(ctx context.Context, i int) error {
					_, err := s.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("new-%d-%s@example.com", i, randomHex(4))})
					return err
				}},
				{"ModifyMembers", func(ctx context.Context, i int) error {
					add, remove := []string{u.ID}, []string(nil)
					if i%2 == 1 {
						add, remove = nil, add
					}
					_, err := s.ModifyMembers(ctx, g.ID, add, remove, "")
					return err
				}},
			}
			for _, op := range ops {
				b.Run(op.name, func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						ctx, cancel := context.WithTimeout(tctx, 10*time.Second)
						err := op.write(ctx, i)
						cancel()
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
