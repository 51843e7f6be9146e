package query_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

var (
	userType  = resources.NewUserType()
	groupType = resources.NewGroupType()
	parser    = filter.Parser{Schemas: userType.SchemaURNs()}
)

func parse(t testing.TB, s string) filter.Expr {
	t.Helper()
	e, err := parser.Parse(s)
	require.NoError(t, err, "parse %s", s)
	return e
}

func ptr[T any](v T) *T { return &v }

func testUser(t testing.TB) map[string]any {
	t.Helper()
	created := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	u := &resources.User{
		ID:          "2819c223-7f76-453a-919d-413861904646",
		ExternalID:  "Ext-1",
		UserName:    "Bjensen@Example.com",
		Name:        &resources.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		DisplayName: "Babs Jensen",
		Title:       "Tour Guide",
		ProfileURL:  "https://login.example.com/bjensen",
		Active:      ptr(true),
		Emails: []resources.MultiValue{
			{Value: "bjensen@example.com", Type: "work", Primary: resources.Bool(true)},
			{Value: "babs@jensen.org", Type: "home"},
		},
		PhoneNumbers:     []resources.MultiValue{{Value: "555-555-8377", Type: "work"}},
		X509Certificates: []resources.MultiValue{{Value: "MIIDQzCC"}},
		Enterprise: &resources.EnterpriseUser{
			EmployeeNumber: "701984",
			Department:     "Tour Operations",
			Manager:        &resources.Manager{Value: "26118915-6090-4610-87e4-49d8ca9f808d"},
			Extra: map[string]json.RawMessage{
				"badgeColor": json.RawMessage(`"Green"`),
				"floor":      json.RawMessage(`7`),
				"remote":     json.RawMessage(`false`),
				"Tags":       json.RawMessage(`["a","Bee"]`),
			},
		},
		Meta: resources.Meta{
			Created:      created,
			LastModified: created.Add(36 * time.Hour),
			Version:      `W/"3"`,
		},
	}
	doc, err := resources.ToMap(u)
	require.NoError(t, err)
	return doc
}

func TestMatch(t *testing.T) {
	t.Parallel()
	doc := testUser(t)
	ev := query.NewEvaluator(userType)
	tests := []struct {
		filter string
		want   bool
	}{
		// eq / ne, case-insensitive names and values
		{`userName eq "bjensen@example.com"`, true},
		{`USERNAME eq "BJENSEN@EXAMPLE.COM"`, true},
		{`userName eq "bjensen"`, false},
		{`userName ne "bjensen"`, true},
		{`userName ne "BJENSEN@example.com"`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"`, true},
		// caseExact attributes
		{`externalId eq "Ext-1"`, true},
		{`externalId eq "ext-1"`, false},
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`profileUrl sw "https://login"`, true},
		{`profileUrl sw "HTTPS://login"`, false},
		// substring operators
		{`userName co "JENSEN@"`, true},
		{`userName co "smith"`, false},
		{`userName sw "bjen"`, true},
		{`userName sw "jensen"`, false},
		{`userName ew ".COM"`, true},
		{`userName ew ".org"`, false},
		{`title co ""`, true},
		// ordering on strings (case-insensitive)
		{`userName gt "a"`, true},
		{`userName gt "C"`, false},
		{`userName ge "bjensen@example.com"`, true},
		{`userName lt "c"`, true},
		{`userName le "BJENSEN@EXAMPLE.COM"`, true},
		// sub-attributes
		{`name.familyName eq "jensen"`, true},
		{`name.givenName sw "Bar"`, true},
		{`name.middleName pr`, false},
		{`name pr`, true},
		// absent attributes
		{`nickName eq "x"`, false},
		{`nickName ne "x"`, true},
		{`nickName co "x"`, false},
		{`nickName gt "a"`, false},
		{`nickName eq null`, true},
		{`nickName ne null`, false},
		{`title eq null`, false},
		{`title ne null`, true},
		// booleans
		{`active eq true`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`active eq "True"`, true},
		{`emails.primary eq true`, true},
		// multi-valued complex: implicit value, any element
		{`emails eq "BABS@jensen.org"`, true},
		{`emails eq "nobody@example.com"`, false},
		{`emails.value eq "bjensen@example.com"`, true},
		{`emails.value co "jensen.org"`, true},
		{`emails.type eq "home"`, true},
		// ne on a multi-valued attribute: some value is not identical
		// (RFC 7644 §3.4.2.2), as the value filter emails[value ne ...] says;
		// "no value is" is not (... eq ...).
		{`emails ne "babs@jensen.org"`, true},
		{`emails[value ne "babs@jensen.org"]`, true},
		{`not (emails eq "babs@jensen.org")`, false},
		{`emails ne "nobody@example.com"`, true},
		{`emails.type ne "work"`, true},
		{`emails.primary ne true`, true},
		{`phoneNumbers.type ne "WORK"`, false},
		{`phoneNumbers[type ne "WORK"]`, false},
		{`phoneNumbers.display ne "x"`, true},
		{`phoneNumbers[display ne "x"]`, true},
		{`x509Certificates ne "MIIDQzCC"`, false},
		{`ims ne "x"`, false},
		{`ims[value ne "x"]`, false},
		{`ims.type ne "x"`, false},
		{`schemas ne "urn:ietf:params:scim:schemas:core:2.0:User"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[Tags ne "A"]`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[Tags ne "nothing"]`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[badgeColor ne "green"]`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[absent ne "x"]`, true},
		// a single-valued sub-attribute keeps "not eq": absent is not identical
		{`name.middleName ne "x"`, true},
		{`name.givenName ne "barbara"`, false},
		{`emails pr`, true},
		{`ims pr`, false},
		{`ims eq null`, true},
		{`addresses.locality pr`, false},
		// value paths
		{`emails[type eq "work"]`, true},
		{`emails[type eq "work" and value co "example.com"]`, true},
		{`emails[type eq "work" and value co "jensen.org"]`, false},
		{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
		{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
		{`emails[not (type eq "work")]`, true},
		{`emails[primary eq true and type eq "home"]`, false},
		{`phoneNumbers[type eq "mobile"]`, false},
		{`addresses[type eq "work"]`, false},
		// common attributes: meta dateTime
		{`meta.created eq "2024-03-01T10:00:00Z"`, true},
		{`meta.created eq "2024-03-01T11:00:00+01:00"`, true},
		{`meta.created eq "2024-03-01T10:00:00.000Z"`, true},
		{`meta.created lt "2024-03-01T10:00:01Z"`, true},
		{`meta.lastModified gt "2024-03-02T00:00:00Z"`, true},
		{`meta.lastModified gt "2024-03-03T00:00:00Z"`, false},
		{`meta.lastModified ge "2024-03-02T22:00:00Z"`, true},
		{`meta.lastModified le "2024-03-02T21:59:59Z"`, false},
		{`meta.created sw "2024-03"`, true},
		{`meta.version eq "W/\"3\""`, true},
		{`meta.resourceType pr`, false},
		// enterprise extension
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "operations"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT eq "tour operations"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`, true},
		// schemas
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"`, true},
		// logical operators
		{`userName eq "bjensen@example.com" and active eq true`, true},
		{`userName eq "bjensen@example.com" and active eq false`, false},
		{`userName eq "x" or title eq "tour guide"`, true},
		{`userName eq "x" or title eq "y"`, false},
		{`not (userName eq "x")`, true},
		{`not (userName eq "bjensen@example.com")`, false},
		{`(userName eq "x" or title pr) and not (nickName pr)`, true},
		{`title pr and (emails[type eq "work"] or emails[type eq "other"])`, true},
		// strings compared with number literals compare as text
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 701984`, true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got, err := ev.Match(parse(t, tt.filter), doc)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			require.NoError(t, ev.Validate(parse(t, tt.filter)))
		})
	}
}

func TestMatchErrors(t *testing.T) {
	t.Parallel()
	doc := testUser(t)
	ev := query.NewEvaluator(userType)
	// Each case fails in evaluation with msg. When the parser rejects the
	// text already (parseErr), the case gives the tree by hand, so that the
	// evaluator is still checked on it: a handler whose parser lets it
	// through, or a host that builds filters itself, must not get a match.
	tests := []struct {
		filter   string
		msg      string
		parseErr string
		tree     filter.Expr
	}{
		{filter: `foo eq "x"`, msg: `filter path "foo" is not an attribute of User or its extensions; send one that GET /Schemas lists`},
		{filter: `name.foo eq "x"`, msg: `filter path "name.foo" is not a sub-attribute of "name"; send one that GET /Schemas lists for it: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix`},
		{filter: `userName.value eq "x"`, msg: `filter path "userName.value" is not a sub-attribute of "userName", which has none; send "userName" itself`},
		{filter: `name eq "x"`, msg: `is complex`},
		{filter: `addresses eq "x"`, msg: `is complex`},
		{filter: `active gt true`, msg: `is a boolean`, parseErr: `'gt' cannot be used with true`,
			tree: &filter.Compare{Path: filter.AttrPath{Name: "active"}, Op: filter.Gt, Value: true}},
		{filter: `active co "t"`, msg: `is a boolean`},
		{filter: `active eq "yes"`, msg: `is a boolean`},
		{filter: `x509Certificates.value gt "a"`, msg: `is binary`},
		{filter: `meta.created gt "yesterday"`, msg: `is a dateTime`},
		{filter: `meta.created eq 5`, msg: `is a dateTime`},
		{filter: `userName co null`, msg: `only eq and ne`},
		{filter: `emails[foo eq "x"]`, msg: `filter path "foo" is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`},
		{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[nope eq "x"]`, msg: `filter path "nope" is not a sub-attribute of "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"; send one that GET /Schemas lists for it: value, $ref, displayName`},
		{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.nope eq "x"`, msg: `filter path "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.nope" is not a sub-attribute of "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"; send one that GET /Schemas lists for it: value, $ref, displayName`},
		{filter: `userName[value eq "x"]`, msg: `not complex`},
		{filter: `urn:example:unknown:1.0:User:foo eq "x"`, msg: `unknown`},
		{filter: `urn:ietf:params:scim:schemas:core:2.0:User:department eq "x"`, msg: `filter path "urn:ietf:params:scim:schemas:core:2.0:User:department" is not an attribute of User`},
		// an attribute the extension does not define is never stored, so
		// it is as unknown as a core one (one policy for both)
		{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badgeColor eq "green"`, msg: `filter path "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badgeColor" is not an attribute of User or its extensions; send one that GET /Schemas lists`},
		{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nothing pr`, msg: `filter path "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nothing" is not an attribute of User or its extensions; send one that GET /Schemas lists`},
		{filter: `not (foo pr)`, msg: `filter path "foo" is not an attribute of User`},
		{filter: `userName eq "x" or bar eq "y"`, msg: `filter path "bar" is not an attribute of User`},
		// a flat chain is as deep as its terms to the evaluator: the
		// message says chains, not only nesting
		{filter: strings.Repeat(`userName eq "x" and `, 201) + `active eq true`, msg: `nests or chains (and, or) more than 200 terms deep`},
	}
	for _, tt := range tests {
		t.Run(tt.filter[:min(len(tt.filter), 60)], func(t *testing.T) {
			e, err := parser.Parse(tt.filter)
			if tt.parseErr != "" {
				require.Error(t, err, "the parser rejects it")
				assert.Contains(t, err.Error(), tt.parseErr)
				require.NotNil(t, tt.tree, "a case the parser rejects gives its tree")
				e = tt.tree
			} else {
				require.NoError(t, err, "the parser accepts it; the evaluation must fail")
				require.Nil(t, tt.tree)
			}
			_, err = ev.Match(e, doc)
			var fe *query.FilterError
			require.True(t, errors.As(err, &fe), "want *FilterError, got %v", err)
			assert.Contains(t, fe.Error(), tt.msg)
			assert.Equal(t, err, ev.Validate(e), "Validate checks what Compile checks, with the same words")
		})
	}
}

// TestMatchHandBuilt covers trees the parser does not produce.
func TestMatchHandBuilt(t *testing.T) {
	t.Parallel()
	doc := testUser(t)
	ev := query.NewEvaluator(userType)
	ok := []struct {
		name string
		e    filter.Expr
		want bool
	}{
		{"nil filter", nil, true},
		{"typed nil filter", (*filter.Compare)(nil), true},
		{"upper-case op", &filter.Compare{Path: filter.AttrPath{Name: "userName"}, Op: "EQ", Value: "BJENSEN@example.com"}, true},
		{"int operand on string", &filter.Compare{Path: filter.AttrPath{Name: "title"}, Op: filter.Eq, Value: int64(1)}, false},
		{"upper-case logical", &filter.Logical{Op: "AND", Left: &filter.Present{Path: filter.AttrPath{Name: "title"}}, Right: &filter.Present{Path: filter.AttrPath{Name: "userName"}}}, true},
	}
	for _, tt := range ok {
		got, err := ev.Match(tt.e, doc)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
	bad := []struct {
		name string
		e    filter.Expr
	}{
		{"nil inside and", &filter.Logical{Op: filter.And, Left: nil, Right: &filter.Present{Path: filter.AttrPath{Name: "title"}}}},
		{"nil inside not", &filter.Not{}},
		{"gt on a boolean", &filter.Compare{Path: filter.AttrPath{Name: "active"}, Op: filter.Gt, Value: true}},
		{"bad op", &filter.Compare{Path: filter.AttrPath{Name: "title"}, Op: "xx", Value: "a"}},
		{"bad logical", &filter.Logical{Op: "xor", Left: &filter.Present{Path: filter.AttrPath{Name: "title"}}, Right: &filter.Present{Path: filter.AttrPath{Name: "title"}}}},
		{"empty path", &filter.Present{}},
		{"whole extension compared", &filter.Compare{Path: filter.AttrPath{URI: resources.EnterpriseUserSchema}, Op: filter.Eq, Value: "x"}},
		{"nested value path", &filter.ValuePath{Path: filter.AttrPath{Name: "emails"}, Filter: &filter.ValuePath{Path: filter.AttrPath{Name: "type"}, Filter: &filter.Present{Path: filter.AttrPath{Name: "value"}}}}},
		{"value path with sub", &filter.ValuePath{Path: filter.AttrPath{Name: "emails", Sub: "value"}, Filter: &filter.Present{Path: filter.AttrPath{Name: "value"}}}},
		{"number on number-less op", &filter.Compare{Path: filter.AttrPath{Name: "active"}, Op: filter.Eq, Value: []int{1}}},
		{"sub inside value filter", &filter.ValuePath{Path: filter.AttrPath{Name: "emails"}, Filter: &filter.Present{Path: filter.AttrPath{Name: "value", Sub: "x"}}}},
	}
	for _, tt := range bad {
		_, err := ev.Match(tt.e, doc)
		var fe *query.FilterError
		assert.True(t, errors.As(err, &fe), "%s: want *FilterError, got %v", tt.name, err)
	}
	// Deep trees are refused, not a stack overflow.
	var deep filter.Expr = &filter.Present{Path: filter.AttrPath{Name: "title"}}
	for range 10000 {
		deep = &filter.Not{X: deep}
	}
	_, err := ev.Match(deep, doc)
	assert.Error(t, err)

	// A zero Evaluator reports an error instead of panicking.
	_, err = (&query.Evaluator{}).Match(parse(t, `title pr`), doc)
	assert.Error(t, err)
	_, err = (*query.Evaluator)(nil).Match(parse(t, `title pr`), doc)
	assert.Error(t, err)
	// Documents of any shape never panic.
	for _, d := range []map[string]any{nil, {}, {"emails": "x", "name": []any{1}, "meta": "x", resources.EnterpriseUserSchema: "x"}, {"emails": []any{nil, 1, map[string]any{"value": nil}}}} {
		for _, f := range []string{`emails eq "x"`, `emails[type eq "x"]`, `name.givenName pr`, `meta.created gt "2020-01-01T00:00:00Z"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr`, `emails ne "x"`} {
			_, err := ev.Match(parse(t, f), d)
			require.NoError(t, err)
		}
	}
}

func TestMatchNumbers(t *testing.T) {
	t.Parallel()
	// Numbers arrive as json.Number from ToMap, or as float64 from a
	// document decoded without UseNumber.
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:levels:2.0:User", "Levels", "",
		&resources.Attribute{Name: "level", Type: resources.TypeDecimal})
	require.NoError(t, err)
	ev := query.NewEvaluator(resources.NewUserType(ext))
	for _, v := range []any{json.Number("10"), float64(10), int64(10), json.Number("10.0")} {
		doc := map[string]any{ext.ID: map[string]any{"level": v}}
		for f, want := range map[string]bool{
			`urn:example:params:scim:schemas:extension:levels:2.0:User:level eq 10`:   true,
			`urn:example:params:scim:schemas:extension:levels:2.0:User:level ge 10.0`: true,
			`urn:example:params:scim:schemas:extension:levels:2.0:User:level gt 9.5`:  true,
			`urn:example:params:scim:schemas:extension:levels:2.0:User:level lt 10`:   false,
			`urn:example:params:scim:schemas:extension:levels:2.0:User:level ne 10`:   false,
		} {
			pf, err := filter.Parser{Schemas: []string{ext.ID}}.Parse(f)
			require.NoError(t, err)
			got, err := ev.Match(pf, doc)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s on %#v", f, v)
		}
	}
}

func TestMatchUnicodeFolding(t *testing.T) {
	t.Parallel()
	ev := query.NewEvaluator(userType)
	doc := map[string]any{"displayName": "ÅSA Ölund Straße", "title": "\u212Aelvin"} // Kelvin sign
	for f, want := range map[string]bool{
		`displayName eq "åsa ölund straße"`: true,
		`displayName sw "åsa"`:              true,
		`displayName co "ÖLUND"`:            true,
		`displayName ew "STRAßE"`:           true,
		`displayName co "olund"`:            false,
		`title eq "kelvin"`:                 true,
		`title sw "KEL"`:                    true,
		`title co "ELV"`:                    true,
		`title ew "kelvin"`:                 true,
		`displayName gt "åsa"`:              true,
		`displayName lt "ÅSB"`:              true,
	} {
		got, err := ev.Match(parse(t, f), doc)
		require.NoError(t, err)
		assert.Equal(t, want, got, f)
	}
}

func TestMatchElement(t *testing.T) {
	t.Parallel()
	ev := query.NewEvaluator(userType)
	emails, _ := userType.Attr("", "emails")
	elem := map[string]any{"value": "A@Example.com", "type": "work", "primary": true}
	for f, want := range map[string]bool{
		`type eq "WORK"`:                         true,
		`type eq "home"`:                         false,
		`value ew "example.com" and primary pr`:  true,
		`primary eq false`:                       false,
		`not (display pr)`:                       true,
		`Value eq "a@example.com" or type eq ""`: true,
	} {
		got, err := ev.MatchElement(emails, parse(t, f), elem)
		require.NoError(t, err, f)
		assert.Equal(t, want, got, f)
	}
	_, err := ev.MatchElement(emails, parse(t, `foo eq "x"`), elem)
	var fe *query.FilterError
	assert.True(t, errors.As(err, &fe))
	_, err = ev.MatchElement(emails, parse(t, `emails.type eq "x"`), elem)
	assert.True(t, errors.As(err, &fe))
	userName, _ := userType.Attr("", "userName")
	_, err = ev.MatchElement(userName, parse(t, `type eq "x"`), elem)
	assert.Error(t, err)
	_, err = ev.MatchElement(nil, parse(t, `type eq "x"`), elem)
	assert.Error(t, err)

	members, _ := groupType.Attr("", "members")
	gev := query.NewEvaluator(groupType)
	got, err := gev.MatchElement(members, parse(t, `value eq "abc"`), map[string]any{"value": "abc"})
	require.NoError(t, err)
	assert.True(t, got, "member ids are case-insensitive strings in the Group schema, exact match")
}

func TestMatchUserGroup(t *testing.T) {
	t.Parallel()
	u := &resources.User{UserName: "alice", Emails: []resources.MultiValue{{Value: "alice@example.com", Type: "work"}}}
	ok, err := query.MatchUser(userType, parse(t, `emails[type eq "work"].value eq "ALICE@example.com"`), u)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = query.MatchUser(userType, parse(t, `password pr`), &resources.User{UserName: "p", Password: "secret"})
	require.NoError(t, err)
	assert.False(t, ok, "the password is never matched")
	ok, err = query.MatchUser(userType, parse(t, `userName eq "bob"`), nil)
	require.NoError(t, err)
	assert.False(t, ok)

	g := &resources.Group{DisplayName: "Admins", Members: []resources.Member{{Value: "u1", Type: "User"}}}
	ok, err = query.MatchGroup(groupType, parse(t, `displayName eq "admins" and members[value eq "u1"]`), g)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = query.MatchGroup(groupType, parse(t, `members.type eq "Group"`), g)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = query.MatchGroup(groupType, parse(t, `userName eq "x"`), g)
	var fe *query.FilterError
	assert.True(t, errors.As(err, &fe))
}

func TestSorter(t *testing.T) {
	t.Parallel()
	ev := query.NewEvaluator(userType)
	a := map[string]any{"userName": "alice", "emails": []any{map[string]any{"value": "z@x"}, map[string]any{"value": "b@x", "primary": true}}, "meta": map[string]any{"created": "2024-01-02T00:00:00Z"}, "active": true}
	b := map[string]any{"userName": "Bob", "emails": []any{map[string]any{"value": "c@x"}}, "meta": map[string]any{"created": "2024-01-01T23:00:00-02:00"}, "active": false}
	none := map[string]any{"userName": "carol"}
	tests := []struct {
		sortBy string
		x, y   map[string]any
		want   int
	}{
		{"userName", a, b, -1},
		{"USERNAME", b, a, 1},
		{"userName", a, a, 0},
		{"emails", a, b, -1}, // primary b@x before c@x
		{"emails.value", a, b, -1},
		{"emails", b, none, -1}, // missing last
		{"emails", none, a, 1},
		{"emails", none, none, 0},
		{"meta.created", a, b, -1}, // b is 2024-01-02T01:00Z
		{"active", b, a, -1},
		{"name.familyName", a, b, 0},
		{"urn:ietf:params:scim:schemas:core:2.0:User:userName", a, b, -1},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", a, b, 0},
	}
	for _, tt := range tests {
		got, err := ev.Compare(tt.sortBy, tt.x, tt.y)
		require.NoError(t, err, tt.sortBy)
		assert.Equal(t, tt.want, sign(got), "%s", tt.sortBy)
	}
	for _, bad := range []string{"", "foo", "name", "name.foo", "urn:x:y", "emails[type eq \"work\"].value", "a.b.c", resources.EnterpriseUserSchema} {
		_, err := ev.Sorter(bad)
		var fe *query.FilterError
		assert.True(t, errors.As(err, &fe), "%q: %v", bad, err)
	}
	s, err := ev.Sorter("userName")
	require.NoError(t, err)
	assert.True(t, s.Key(a).Present())
	assert.False(t, s.Key(map[string]any{}).Present())
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func BenchmarkMatchEq(b *testing.B) {
	ev := query.NewEvaluator(userType)
	doc := testUser(b)
	m, err := ev.Compile(parse(b, `userName eq "BJENSEN@example.com" and emails[type eq "work"].value co "EXAMPLE"`))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if !m.Match(doc) {
			b.Fatal("no match")
		}
	}
}

// FuzzValidate holds Validate (the checks alone) to Compile (the checks
// and the matcher): the same error, with the same words, or none, for
// every filter the parser accepts, on users and on groups.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `emails[type eq "work" and value co "@example.com"]`,
		`not (active eq false) or meta.created gt "2011-05-13T04:42:34Z"`, `title pr`, `members[value eq "x"]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`, `userName co null`,
		`active co "t"`, `meta.created eq 5`, `emails[foo eq "x"]`, `userName[value eq "x"]`, `displayName eq "G" and members pr`,
		`x509Certificates.value gt "a"`, `addresses[type eq "work"].country`, `userName eq 12`, `meta.lastModified ge "2024-01-02T15:04:05Z"`,
	} {
		f.Add(s)
	}
	evs := []*query.Evaluator{query.NewEvaluator(userType), query.NewEvaluator(groupType)}
	f.Fuzz(func(t *testing.T, text string) {
		for _, ev := range evs {
			e, err := filter.Parser{Schemas: ev.Type.SchemaURNs()}.Parse(text)
			if err != nil {
				return
			}
			_, cerr := ev.Compile(e)
			assert.Equal(t, cerr, ev.Validate(e), "%s on %s", text, ev.Type.Name)
		}
	})
}

// TestMatchNameSpellingsDeterministic: a document that gives an attribute
// under two spellings, neither the schema's (a host's own document; the
// handler refuses such a body), is matched on the first in sorted order,
// every time, not on whichever Go's map order gives first.
func TestMatchNameSpellingsDeterministic(t *testing.T) {
	t.Parallel()
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:badge:2.0:User", "Badge", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString})
	require.NoError(t, err)
	ev := query.NewEvaluator(resources.NewUserType(ext))
	doc := map[string]any{ext.ID: map[string]any{"Badge": "lower", "BADGE": "upper"}}
	pf, err := filter.Parser{Schemas: []string{ext.ID}}.Parse(ext.ID + `:badge eq "upper"`)
	require.NoError(t, err)
	for range 20 { // map iteration order is random: ask many times
		got, err := ev.Match(pf, doc)
		require.NoError(t, err)
		require.True(t, got, `"BADGE" sorts before "Badge"`)
	}
}

// TestMatchNamesASCII: a filter names an attribute under ASCII case
// folding only; the parser refuses a name with a non-ASCII letter, such as
// the long s that strings.EqualFold would take for "s".
func TestMatchNamesASCII(t *testing.T) {
	t.Parallel()
	ev := query.NewEvaluator(userType)
	doc := map[string]any{"userName": "bjensen"}
	got, err := ev.Match(parse(t, `USERNAME eq "bjensen"`), doc)
	require.NoError(t, err)
	assert.True(t, got)
	for _, f := range []string{`uſerName eq "bjensen"`, `u\u017ferName eq "bjensen"`, "\u212Aey eq \"x\""} {
		_, err := filter.Parse(f)
		assert.Error(t, err, f)
	}
	// A path a host built by hand, not parsed, names nothing either.
	p := &filter.Compare{Path: filter.AttrPath{Name: "uſerName"}, Op: filter.Eq, Value: "bjensen"}
	got, err = ev.Match(p, doc)
	if err == nil {
		assert.False(t, got, "uſerName is not userName")
	}
}

// TestToBoolASCII: "true" and "false" are booleans in any ASCII case, and
// a spelling with a non-ASCII letter Unicode folds to an ASCII one is not.
func TestToBoolASCII(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		b, ok bool
	}{
		{"TRUE", true, true}, {"False", false, true}, {"falſe", false, false}, {"ｔrue", false, false}, {"FALSE\u0130", false, false},
	} {
		b, ok := query.ToBool(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.b, b, tc.in)
	}
}

// TestQualifiedBySupportedSchema: a sortBy or filter path is qualified by
// one of the URNs every parser knows (resources.ResourceType.KnownSchemaURNs),
// and is taken only when the type has that schema (RFC 7644 §3.10): the
// enterprise extension's attribute sorts and filters under a model with
// it, and is refused under one whose subset leaves it out; another type's
// schema, core or a host's extension, qualifies no attribute of User.
func TestQualifiedBySupportedSchema(t *testing.T) {
	t.Parallel()
	grpExt := &resources.Schema{ID: "urn:example:params:scim:schemas:extension:team:2.0:Group", Name: "Team",
		Attributes: []*resources.Attribute{{Name: "costCode", Type: resources.TypeString}}}
	with, err := resources.NewModel(resources.ModelConfig{GroupExtensions: []*resources.Schema{grpExt}})
	require.NoError(t, err)
	without, err := resources.NewModel(resources.ModelConfig{UserAttributes: []string{"id", "meta", "userName", "active", "title"}})
	require.NoError(t, err)
	const ent = resources.EnterpriseUserSchema
	for _, tc := range []struct {
		name, path string
		model      *resources.Model
		ok         bool
	}{
		{"enterprise attribute, model with it", ent + ":department", with, true},
		{"enterprise attribute in another case", strings.ToUpper(ent) + ":Department", with, true},
		{"enterprise attribute, subset without it", ent + ":department", without, false},
		{"core User attribute, subset", resources.UserSchema + ":title", without, true},
		{"the Group's core schema", resources.GroupSchema + ":displayName", with, false},
		{"the Group's core schema, an attribute User has too", resources.GroupSchema + ":externalId", with, false},
		{"a host's Group extension", grpExt.ID + ":costCode", with, false},
		{"an unknown schema", "urn:example:nope:2.0:User:department", with, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := query.NewEvaluator(tc.model.User)
			_, serr := ev.Sorter(tc.path)
			e, perr := filter.Parser{Schemas: tc.model.User.KnownSchemaURNs()}.Parse(tc.path + ` eq "x"`)
			require.NoError(t, perr, "every known URN parses")
			_, cerr := ev.Compile(e)
			if tc.ok {
				assert.NoError(t, serr, "sortBy")
				assert.NoError(t, cerr, "filter")
				return
			}
			var fe *query.FilterError
			assert.ErrorAs(t, serr, &fe, "sortBy")
			assert.ErrorAs(t, cerr, &fe, "filter")
		})
	}
}

// TestConversions: Compile notes each operand it reads as another type
// than sent, the way it compares it (the handler warns of each, strict
// mode refuses it); an operand of the attribute's own type, a dateTime
// (always a string), null and a whole extension's raw values are none.
func TestConversions(t *testing.T) {
	t.Parallel()
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:levels:2.0:User", "Levels", "",
		&resources.Attribute{Name: "level", Type: resources.TypeInteger})
	require.NoError(t, err)
	rt := resources.NewUserType(ext)
	p := filter.Parser{Schemas: rt.SchemaURNs()}
	lvl := ext.ID + ":level"
	for _, tc := range []struct {
		filter string
		want   []query.Conversion
	}{
		{`userName gt 1`, []query.Conversion{{Path: "userName", Type: "string", Sent: int64(1), Read: "1"}}},
		{`title eq 1.5`, []query.Conversion{{Path: "title", Type: "string", Sent: float64(1.5), Read: "1.5"}}},
		{`userName eq false`, []query.Conversion{{Path: "userName", Type: "string", Sent: false, Read: "false"}}},
		{`active eq "True"`, []query.Conversion{{Path: "active", Type: "boolean", Sent: "True", Read: true}}},
		{`active ne "false" or emails[primary eq "TRUE"]`, []query.Conversion{
			{Path: "active", Type: "boolean", Sent: "false", Read: false},
			{Path: "emails.primary", Type: "boolean", Sent: "TRUE", Read: true},
		}},
		{lvl + ` ge "7"`, []query.Conversion{{Path: lvl, Type: "integer", Sent: "7", Read: json.Number("7")}}},
		{`userName eq "1" and active eq true and ` + lvl + ` eq 7`, nil},
		{`meta.created gt "2024-01-01T00:00:00Z"`, nil},
		{`title eq null`, nil},
		{`emails pr`, nil},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := p.Parse(tc.filter)
			require.NoError(t, err)
			m, err := query.NewEvaluator(rt).Compile(e)
			require.NoError(t, err)
			assert.Equal(t, tc.want, m.Conversions())
		})
	}
	var none *query.Matcher
	assert.Empty(t, none.Conversions(), "a nil Matcher (no filter) converts nothing")
}

// TestPasswordOperandConcealed: a message about an operand compared with
// an attribute that names the password (a host extension's "password",
// which a filter may compare), or with one the model makes a secret
// (returned "never", a pin), shows clienttext.Concealed, not the
// operand: a conversion's warning and refusal, and the refusal of an
// operand of the wrong type. Both kinds of message decide by one guard:
// an attribute that does not name the password has its operand shown by
// each alike.
func TestPasswordOperandConcealed(t *testing.T) {
	t.Parallel()
	const secret = "73019284655"
	ext, err := resources.NewSchema("urn:example:params:scim:schemas:extension:secrets:2.0:User", "Secrets", "",
		&resources.Attribute{Name: "password", Type: resources.TypeString},
		&resources.Attribute{Name: "passwordSet", Type: resources.TypeBoolean},
		&resources.Attribute{Name: "passwordAt", Type: resources.TypeDateTime},
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "enrolled", Type: resources.TypeBoolean, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "issued", Type: resources.TypeDateTime, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "badge", Type: resources.TypeString},
		&resources.Attribute{Name: "badgeSet", Type: resources.TypeBoolean})
	require.NoError(t, err)
	rt := resources.NewUserType(ext)
	p := filter.Parser{Schemas: rt.SchemaURNs()}
	for _, tc := range []struct {
		filter, conversion, refusal string
		shown                       bool // the operand is shown, not concealed
	}{
		{filter: ext.ID + ":password eq " + secret, conversion: "[REDACTED: names a secret]"},
		{filter: ext.ID + ":passwordSet eq " + secret, refusal: `is a boolean; compare it with true or false, not [REDACTED: names a secret]`},
		{filter: ext.ID + `:passwordAt gt "` + secret + `"`, refusal: `is not an RFC 3339 date-time`},
		// Attributes returned "never" are secrets as the password is.
		{filter: ext.ID + ":pin eq " + secret, conversion: "[REDACTED: names a secret]"},
		{filter: ext.ID + ":enrolled eq " + secret, refusal: `is a boolean; compare it with true or false, not [REDACTED: names a secret]`},
		{filter: ext.ID + `:issued gt "` + secret + `"`, refusal: `is not an RFC 3339 date-time`},
		// Any other attribute has its operand shown, by both kinds of message.
		{filter: ext.ID + ":badge eq " + secret, conversion: `"` + secret + `"`, shown: true},
		{filter: ext.ID + ":badgeSet eq " + secret, refusal: `is a boolean; compare it with true or false, not ` + secret, shown: true},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := p.Parse(tc.filter)
			require.NoError(t, err)
			m, err := query.NewEvaluator(rt).Compile(e)
			hidden := assert.NotContains
			if tc.shown {
				hidden = assert.Contains
			}
			if tc.refusal != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.refusal)
				hidden(t, err.Error(), secret)
				return
			}
			require.NoError(t, err)
			require.Len(t, m.Conversions(), 1)
			c := m.Conversions()[0]
			for _, msg := range []string{c.Warning(), c.Refusal()} {
				assert.Contains(t, msg, tc.conversion)
				hidden(t, msg, secret)
			}
		})
	}
}

// TestOperandShownAsClientText: a refusal of an operand of the wrong type
// shows it as a conversion's messages do (Secrets.Quote): a token in
// it redacted, and a long one cut with its length, where it was quoted
// whole, a token in clear.
func TestOperandShownAsClientText(t *testing.T) {
	t.Parallel()
	rt := resources.NewUserType()
	p := filter.Parser{Schemas: rt.SchemaURNs()}
	tok := "scim_" + strings.Repeat("k", 43)
	long := strings.Repeat("x", 300)
	for _, tc := range []struct{ operand, want, not string }{
		{tok, `not "scim_[REDACTED]"`, tok},
		{long, `not "` + long[:clienttext.MaxQuoted] + `"… (300 bytes)`, long},
		{"plain", `not "plain"`, ""},
	} {
		e, err := p.Parse(`active eq "` + tc.operand + `"`)
		require.NoError(t, err)
		_, err = query.NewEvaluator(rt).Compile(e)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
		if tc.not != "" {
			assert.NotContains(t, err.Error(), tc.not)
		}
	}
}

// TestSortsByPrimary is the table of which element of a multi-valued
// attribute a sort reads (SortsByPrimary), the one rule Sorter and
// sqlstore's compiled sort follow.
func TestSortsByPrimary(t *testing.T) {
	sub := func(names ...string) []*resources.Attribute {
		var out []*resources.Attribute
		for _, n := range names {
			typ := resources.TypeString
			if n == "primary" {
				typ = resources.TypeBoolean
			}
			out = append(out, &resources.Attribute{Name: n, Type: typ})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		attr *resources.Attribute
		want bool
	}{
		{"no attribute", nil, false},
		{"with primary", &resources.Attribute{Name: "emails", Type: resources.TypeComplex, MultiValued: true, SubAttributes: sub("value", "type", "primary")}, true},
		{"a subset without primary", &resources.Attribute{Name: "emails", Type: resources.TypeComplex, MultiValued: true, SubAttributes: sub("value", "type")}, false},
		{"simple multi-valued", &resources.Attribute{Name: "tags", Type: resources.TypeString, MultiValued: true}, false},
		{"the default User's emails", resources.DefaultModel().User.Schema.Attr("emails"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, query.SortsByPrimary(tc.attr))
		})
	}
}

// TestStoredBooleanIsJSONBoolean: in a stored document only a JSON
// boolean is a boolean (RFC 7643 §2.3.2, §2.4): a string "true" (a
// host's own write; the handler stores booleans) matches neither
// "eq true" nor "eq false", marks no element primary for a sort and sorts
// a boolean attribute as missing, as the SQL sqlstore compiles reads it.
// An operand may still be a string ("True", as Entra ID sends one).
func TestStoredBooleanIsJSONBoolean(t *testing.T) {
	t.Parallel()
	ev := query.NewEvaluator(userType)
	emails := func(primary any) map[string]any {
		second := map[string]any{"value": "a@x"}
		if primary != nil {
			second["primary"] = primary
		}
		return map[string]any{"userName": "u", "emails": []any{map[string]any{"value": "z@x"}, second}, "active": primary}
	}
	for _, tc := range []struct {
		name    string
		primary any
		isTrue  bool // matches "eq true", and a@x is the primary email
		isFalse bool // matches "eq false"
	}{
		{"JSON true", true, true, false},
		{"JSON false", false, false, true},
		{`"true"`, "true", false, false},
		{`"True"`, "True", false, false},
		{`"false"`, "false", false, false},
		{"1", json.Number("1"), false, false},
		{`"1"`, "1", false, false},
		{"missing", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := emails(tc.primary)
			for _, f := range []struct {
				filter string
				want   bool
			}{
				{`emails[primary eq true]`, tc.isTrue},
				{`emails.primary eq "True"`, tc.isTrue},
				{`emails.primary eq false`, tc.isFalse},
				{`active eq true`, tc.isTrue},
				{`active eq false`, tc.isFalse},
			} {
				got, err := ev.Match(parse(t, f.filter), doc)
				require.NoError(t, err, f.filter)
				assert.Equal(t, f.want, got, f.filter)
			}
			// b@x sorts between a@x and z@x: before this user when its
			// primary email a@x is the key, after it when z@x (the
			// first) is
			other := map[string]any{"userName": "o", "emails": []any{map[string]any{"value": "b@x"}}}
			want := 1
			if tc.isTrue {
				want = -1
			}
			got, err := ev.Compare("emails.value", doc, other)
			require.NoError(t, err)
			assert.Equal(t, want, got, "emails.value")
			// active: a boolean sorts before a missing value
			want = 0
			if tc.isTrue || tc.isFalse {
				want = -1
			}
			got, err = ev.Compare("active", doc, map[string]any{"userName": "o"})
			require.NoError(t, err)
			assert.Equal(t, want, got, "active")
		})
	}
}
