// Package loaduser is the user examples/loadtest's sync phase provisions
// (Entra ID's shape: externalId, a name, one work email, the enterprise
// extension department), as the module's benchmarks and allocation tests
// send and store it, so that they all measure the same user: the root
// package's GET and allocation budgets, store/sqlstore's read benchmark
// and resources' decoding benchmark.
package loaduser

import "fmt"

// JSON is user i as a request body creates it (POST /Users): userName
// load%06d@example.com, externalId ext-%d.
func JSON(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
		`"externalId":"ext-%d","userName":"load%06d@example.com","active":true,"displayName":"Load ext-%d",`+
		`"name":{"givenName":"Load","familyName":"ext-%d","formatted":"Load ext-%d"},`+
		`"emails":[{"primary":true,"type":"work","value":"load%06d@example.com"}],`+
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Load"}}`, i, i, i, i, i, i)
}

// Stored is user i's document as a SQL store keeps it: the attributes of
// JSON in the order the store writes them, without id, meta or groups
// (columns and rows of their own).
func Stored(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],`+
		`"externalId":"ext-%d","userName":"load%06d@example.com","name":{"formatted":"Load ext-%d","familyName":"ext-%d","givenName":"Load"},`+
		`"displayName":"Load ext-%d","active":true,"emails":[{"value":"load%06d@example.com","type":"work","primary":true}],`+
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Load"}}`, i, i, i, i, i, i)
}
