// Package loaduser is the user examples/loadtest provisions (Entra ID's
// shape: externalId, a name, one work email, the enterprise extension
// department), in its sync phase and as the members it seeds, as the
// module's benchmarks and allocation tests send and store it, so that
// they all measure the same user: the root package's GET and allocation
// budgets, store/sqlstore's read benchmark and resources' decoding
// benchmark.
package loaduser

import (
	"encoding/json"
	"fmt"
)

// JSON is user i as a request body creates it (POST /Users): Doc of
// userName load%06d@example.com, externalId ext-%d.
func JSON(i int) string {
	return Doc(fmt.Sprintf("load%06d@example.com", i), fmt.Sprintf("ext-%d", i))
}

// Doc is the load user with userName and externalID as a request body
// creates it (POST /Users): userName its work email, displayName and
// name.formatted "Load " and externalID, familyName externalID. The load
// test names its users after its run and round, so that runs against one
// server never collide; the benchmarks number them (JSON).
func Doc(userName, externalID string) string {
	un, ext, display := jsonString(userName), jsonString(externalID), jsonString("Load "+externalID)
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"externalId":` + ext + `,"userName":` + un + `,"active":true,"displayName":` + display + `,` +
		`"name":{"givenName":"Load","familyName":` + ext + `,"formatted":` + display + `},` +
		`"emails":[{"primary":true,"type":"work","value":` + un + `}],` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Load"}}`
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always encodes
	}
	return string(b)
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
