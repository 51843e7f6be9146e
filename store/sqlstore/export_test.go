package sqlstore

import (
	"context"

	"github.com/scimkit/scim/store"
)

// PlanForTest compiles q as ListUsers (users) or ListGroups would and
// returns the SQL condition, order, bind values and whether a part is
// left to Go.
func (s *Store) PlanForTest(ctx context.Context, users bool, q store.Query) (where, order string, args []any, residual bool, err error) {
	p, err := s.plan(ctx, users, q)
	if err != nil {
		return "", "", nil, false, err
	}
	return p.where, p.order, p.a.vals, p.residual, nil
}

// Fold exposes fold to the tests.
var Fold = fold
