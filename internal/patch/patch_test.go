package patch

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/resources"
)

// workEmail and friends restate parts of userJSON, for expected documents.
const (
	workEmail = `{"value": "bjensen@example.com", "type": "work", "primary": true}`
	homeEmail = `{"value": "babs@jensen.org", "type": "home"}`
	entObj    = `{"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "26118915", "displayName": "John Smith"}}`
)

func TestApplySyntax(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2 op is case-insensitive",
			ops:  `[{"op":"Replace","path":"displayName","value":"Babs"},{"op":"ADD","path":"title","value":"Tour Guide"},{"op":"Remove","path":"nickName"}]`,
			want: over(userJSON, `{"displayName":"Babs","title":"Tour Guide"}`),
		},
		{
			name: "3.5.2 unsupported op is invalidSyntax naming it",
			ops:  `[{"op":"delete","path":"title"}]`,
			err:  &fail{InvalidSyntax, `unsupported op "delete"`, 0},
		},
		{
			name: "3.5.2 missing op is invalidSyntax",
			ops:  `[{"path":"title","value":"x"}]`,
			err:  &fail{InvalidSyntax, "op is required", 0},
		},
		{
			name: "3.5.2.1 add needs a value",
			ops:  `[{"op":"add","path":"title"}]`,
			err:  &fail{InvalidSyntax, "value is required for add", 0},
		},
		{
			name: "3.5.2.3 replace needs a value",
			ops:  `[{"op":"replace","path":"title"}]`,
			err:  &fail{InvalidSyntax, "value is required for replace", 0},
		},
		{
			name: "3.5.2.1 add without path needs a value",
			ops:  `[{"op":"add"}]`,
			err:  &fail{InvalidSyntax, "value is required for add", 0},
		},
		{
			name: "3.5.2 malformed path is invalidPath with the parser's message",
			ops:  `[{"op":"replace","path":"emails[type eq \"work\"]x","value":"x"}]`,
			err:  &fail{InvalidPath, "at offset 22", 0},
		},
		{
			name: "3.12 a path whose '[' is never closed holds no value filter: the path is malformed, invalidPath",
			ops:  `[{"op":"replace","path":"emails[type eq \"work\"","value":"x"}]`,
			err:  &fail{InvalidPath, "expected ']' to close '[' at offset 6", 0},
		},
		{
			name:     "3.5.2 unknown attribute is ignored, with a warning",
			ops:      `[{"op":"replace","path":"nickname2","value":"x"}]`,
			want:     userJSON,
			warnings: []string{`ignored unknown attribute "nickname2"`},
		},
		{
			name:   "strict: unknown attribute is invalidPath naming it",
			ops:    `[{"op":"replace","path":"nickname2","value":"x"}]`,
			err:    &fail{InvalidPath, `"nickname2" is not an attribute of User or its extensions`, 0},
			strict: true,
		},
		{
			name:   "strict: unknown attribute behind a known URN is invalidPath",
			ops:    `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:nickname2","value":"x"}]`,
			err:    &fail{InvalidPath, `nickname2`, 0},
			strict: true,
		},
		{
			name:     "3.5.2 unknown schema URN is ignored, with a warning",
			ops:      `[{"op":"replace","path":"urn:example:unknown:2.0:User:foo","value":"x"}]`,
			want:     userJSON,
			warnings: []string{`ignored unknown attribute "urn:example:unknown:2.0:User:foo"`},
		},
		{
			name:   "strict: unknown schema URN is invalidPath",
			ops:    `[{"op":"replace","path":"urn:example:unknown:2.0:User:foo","value":"x"}]`,
			err:    &fail{InvalidPath, `urn:example:unknown:2.0:User:foo`, 0},
			strict: true,
		},
		{
			name:   "strict: another resource type's schema is invalidPath",
			ops:    `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group:displayName","value":"x"}]`,
			err:    &fail{InvalidPath, `is not an attribute of User or its extensions`, 0},
			strict: true,
		},
		{
			name:     "3.5.2 unknown attribute of a registered extension is ignored, with a warning",
			ops:      `[{"op":"replace","path":"$ENT:shoeSize","value":"x"}]`,
			want:     userJSON,
			warnings: []string{`ignored unknown attribute "$ENT:shoeSize"`},
		},
		{
			name:   "strict: unknown attribute of a registered extension is invalidPath",
			ops:    `[{"op":"replace","path":"$ENT:shoeSize","value":"x"}]`,
			err:    &fail{InvalidPath, `shoeSize`, 0},
			strict: true,
		},
		{
			name: "3.5.2 value filter on a single-valued simple attribute is invalidPath",
			ops:  `[{"op":"replace","path":"userName[value eq \"x\"]","value":"x"}]`,
			err:  &fail{InvalidPath, `"userName" is single-valued`, 0},
		},
		{
			name: "3.5.2 sub-attribute of a simple attribute is invalidPath",
			ops:  `[{"op":"replace","path":"userName.value","value":"x"}]`,
			err:  &fail{InvalidPath, `path "userName.value" is not a sub-attribute of "userName", which has none; send "userName" itself`, 0},
		},
		{
			name:   "strict: unknown sub-attribute is invalidPath",
			ops:    `[{"op":"replace","path":"name.nickname","value":"x"}]`,
			err:    &fail{InvalidPath, `"name.nickname" is not a sub-attribute of "name"; send one that GET /Schemas lists for it: formatted,`, 0},
			strict: true,
		},
		{
			name: "3.12 filter on an unknown sub-attribute is invalidFilter",
			ops:  `[{"op":"replace","path":"emails[kind eq \"work\"].value","value":"x"}]`,
			err:  &fail{InvalidFilter, `filter path "kind" is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`, 0},
		},
		{
			name: "3.12 filter on a sub-attribute's sub-attribute is invalidFilter in the words of any unknown sub-attribute",
			ops:  `[{"op":"replace","path":"emails[type.kind eq \"work\"].value","value":"x"}]`,
			err:  &fail{InvalidFilter, `filter path "type.kind" is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`, 0},
		},
		{
			name: "3.12 filter on a URN path inside the brackets is invalidFilter in the words of any unknown sub-attribute",
			ops:  `[{"op":"replace","path":"emails[urn:ietf:params:scim:schemas:core:2.0:User:emails.type eq \"work\"].value","value":"x"}]`,
			err:  &fail{InvalidFilter, `filter path "urn:ietf:params:scim:schemas:core:2.0:User:emails.type" is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`, 0},
		},
		{
			name: "3.12 filter on an extension attribute's URN path is invalidFilter naming the attribute with its URN",
			ops:  `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[urn:x:value eq \"1\"].displayName","value":"x"}]`,
			err:  &fail{InvalidFilter, `is not a sub-attribute of "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"; send one that GET /Schemas lists for it`, 0},
		},
		{
			name:   "3.12 error names the failing operation",
			ops:    `[{"op":"replace","path":"displayName","value":"Babs"},{"op":"replace","path":"nickname2","value":"x"}]`,
			err:    &fail{InvalidPath, "Operations[1]: ", 1},
			strict: true,
		},
		{
			name: "3.5.2 value of the wrong type is invalidValue naming the attribute",
			ops:  `[{"op":"replace","path":"active","value":3}]`,
			err:  &fail{InvalidValue, `attribute "active": must be a boolean, got the number 3`, 0},
		},
		{
			name: "3.5.2 sub-attribute of the wrong type is invalidValue naming it",
			ops:  `[{"op":"add","path":"emails","value":[{"value":5,"type":"work"}]}]`,
			err:  &fail{InvalidValue, `attribute "emails.value": must be a string`, 0},
		},
		{
			name:   "strict: unknown sub-attribute inside a value is invalidValue",
			ops:    `[{"op":"add","path":"emails","value":[{"value":"x@y.z","kind":"work"}]}]`,
			err:    &fail{InvalidSyntax, `"emails.kind"`, 0},
			strict: true,
		},
		{
			name: "3.5.2 a list for a single-valued attribute is invalidValue",
			ops:  `[{"op":"replace","path":"displayName","value":["a","b"]}]`,
			err:  &fail{InvalidValue, `is single-valued`, 0},
		},
	})
}

func TestApplyAdd(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2.1 single-valued attribute is replaced",
			ops:  `[{"op":"add","path":"displayName","value":"Babs"}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			name: "3.5.2.1 absent attribute is added",
			ops:  `[{"op":"add","path":"title","value":"Tour Guide"}]`,
			want: over(userJSON, `{"title":"Tour Guide"}`),
		},
		{
			name: "3.5.2.1 complex attribute merges the given sub-attributes",
			ops:  `[{"op":"add","path":"name","value":{"middleName":"Jane","givenName":"Barb"}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barb","middleName":"Jane"}}`),
		},
		{
			name: "3.5.2.1 sub-attribute of a complex attribute",
			ops:  `[{"op":"add","path":"name.middleName","value":"Jane"}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara","middleName":"Jane"}}`),
		},
		{
			name: "3.5.2.1 sub-attribute of an absent complex attribute creates it",
			doc:  over(userJSON, `{"name":null}`),
			ops:  `[{"op":"add","path":"name.middleName","value":"Jane"}]`,
			want: over(userJSON, `{"name":{"middleName":"Jane"}}`),
		},
		{
			name: "3.5.2.1 multi-valued attribute gets the new value",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"b@x.org","type":"other"}]}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"value":"b@x.org","type":"other"}]}`),
		},
		{
			name: "3.5.2.1 a single value for a multi-valued attribute is wrapped",
			ops:  `[{"op":"add","path":"emails","value":{"value":"b@x.org","type":"other"}}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"value":"b@x.org","type":"other"}]}`),
		},
		{
			name: "3.5.2.1 a value already present changes nothing (value and type compare case-insensitively)",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"BJensen@Example.com","type":"WORK"}]}]`,
			want: userJSON,
		},
		{
			name:     "3.5.2.1 duplicates within one value are added once",
			ops:      `[{"op":"add","path":"phoneNumbers","value":[{"value":"1","type":"mobile"},{"value":"1","type":"mobile"}]}]`,
			want:     over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work"},{"value":"1","type":"mobile"}]}`),
			warnings: []string{`dropped a duplicate phoneNumbers value "1"`},
		},
		{
			name: "3.5.2.1 an add whose type and value are present merges its other sub-attributes into that value",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"BJensen@example.com","type":"WORK","display":"B"}]}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"B"},`+homeEmail+`]}`),
		},
		{
			name: "3.5.2.1 a primary add of a value present makes it primary and the others not",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home","primary":true,"display":"B"}]}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},{"value":"babs@jensen.org","type":"home","primary":true,"display":"B"}]}`),
		},
		{
			name:   "strict: an add of a value present merges, which bends nothing",
			ops:    `[{"op":"add","path":"emails","value":[{"value":"bjensen@example.com","type":"work","display":"B"}]}]`,
			want:   over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"B"},`+homeEmail+`]}`),
			strict: true,
		},
		{
			// The stored value is the value the add names (caseExact
			// false): the add changes nothing of it but what it merges.
			name: "3.5.2.1 an add of a value present in another spelling keeps the stored value and type",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"BJensen@Example.com","type":"WORK","display":"B"}]}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"B"},`+homeEmail+`]}`),
		},
		{
			name:   "IDP-QUIRKS Entra's Add roles of a role the user has sets its primary and display",
			doc:    over(userJSON, `{"roles":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":true,"display":"Old"}]}`),
			ops:    `[{"op":"Add","path":"roles","value":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":false,"display":"Administrator"}]}]`,
			want:   over(userJSON, `{"roles":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":false,"display":"Administrator"}]}`),
			strict: true,
		},
		{
			name: "3.5.2 operations apply in order: a swap of two values across two operations is no duplicate",
			doc:  over(userJSON, `{"emails":[{"value":"a@x","type":"work","display":"one","primary":true},{"value":"b@x","type":"work","display":"two"}]}`),
			ops:  `[{"op":"replace","path":"emails[display eq \"one\"].value","value":"b@x"},{"op":"replace","path":"emails[display eq \"two\"].value","value":"a@x"}]`,
			want: over(userJSON, `{"emails":[{"value":"b@x","type":"work","display":"one","primary":true},{"value":"a@x","type":"work","display":"two"}]}`),
		},
		{
			name:   "strict: the swap too",
			doc:    over(userJSON, `{"emails":[{"value":"a@x","type":"work","display":"one","primary":true},{"value":"b@x","type":"work","display":"two"}]}`),
			ops:    `[{"op":"replace","path":"emails[display eq \"one\"].value","value":"b@x"},{"op":"replace","path":"emails[display eq \"two\"].value","value":"a@x"}]`,
			want:   over(userJSON, `{"emails":[{"value":"b@x","type":"work","display":"one","primary":true},{"value":"a@x","type":"work","display":"two"}]}`),
			strict: true,
		},
		{
			name:     "duplicates stored by an earlier release are dropped with a warning by a PATCH of the attribute",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"}]}`),
			ops:      `[{"op":"add","path":"emails","value":[{"value":"new@x","type":"home"}]}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"new@x","type":"home"}]}`),
			warnings: []string{`dropped a duplicate emails value "A@x"`},
		},
		{
			name:     "strict: duplicates stored by an earlier release do not fail an unrelated add",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"}]}`),
			ops:      `[{"op":"add","path":"emails","value":[{"value":"new@x","type":"home"}]}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"new@x","type":"home"}]}`),
			warnings: []string{`dropped a duplicate emails value "A@x"`},
			strict:   true,
		},
		{
			name:     "strict: duplicates stored by an earlier release do not fail Entra's filtered replace of another value",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"},{"value":"h@x","type":"home"}]}`),
			ops:      `[{"op":"Replace","path":"emails[type eq \"home\"].value","value":"home@x"}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"home@x","type":"home"}]}`),
			warnings: []string{`dropped a duplicate emails value "A@x"`},
			strict:   true,
		},
		{
			name:     "strict: a stored duplicate of a value the PATCH changes is dropped with a warning",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"}]}`),
			ops:      `[{"op":"add","path":"title","value":"T"},{"op":"replace","path":"emails[primary eq true].display","value":"A"}]`,
			want:     over(userJSON, `{"title":"T","emails":[{"value":"a@x","type":"work","primary":true,"display":"A"}]}`),
			warnings: []string{`Operations[1]: dropped a duplicate emails value "A@x"`},
			strict:   true,
		},
		{
			name:     "strict: Entra's filtered replace over two stored duplicates is tidied with a warning",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"}]}`),
			ops:      `[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@x"}]`,
			want:     over(userJSON, `{"emails":[{"value":"new@x","type":"work","primary":true}]}`),
			warnings: []string{`dropped a duplicate emails value "new@x"`},
			strict:   true,
		},
		{
			name:     "strict: Entra's Add roles of a value stored twice is tidied with a warning",
			doc:      over(userJSON, `{"roles":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole"},{"value":"admin","type":"WindowsAzureActiveDirectoryRole"}]}`),
			ops:      `[{"op":"Add","path":"roles","value":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole","display":"Administrator"}]}]`,
			want:     over(userJSON, `{"roles":[{"value":"Admin","type":"WindowsAzureActiveDirectoryRole","display":"Administrator"}]}`),
			warnings: []string{`dropped a duplicate roles value "admin"`},
			strict:   true,
		},
		{
			// fixPrimary settles two stored primaries as soon as an
			// operation touches the list (RFC 7644 §3.5.2: the one touched
			// stays primary), before multivalue.Tidy sees them.
			name:   "strict: two stored primaries, one of them changed, are no refusal",
			doc:    over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","type":"home","primary":true}]}`),
			ops:    `[{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@x"}]`,
			want:   over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":false},{"value":"h@x","type":"home","primary":true}]}`),
			strict: true,
		},
		{
			name:   "strict: a value changed to one of two stored duplicates is invalidValue",
			doc:    over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"},{"value":"b@x","type":"work"}]}`),
			ops:    `[{"op":"replace","path":"emails[value eq \"b@x\"].value","value":"a@x"}]`,
			err:    &fail{InvalidValue, "lists the same value twice", 0},
			strict: true,
		},
		{
			name:   "strict: a value the PATCH makes equal to another is invalidValue",
			ops:    `[{"op":"replace","path":"emails[type eq \"home\"].value","value":"bjensen@example.com"},{"op":"replace","path":"emails[type eq \"home\"].type","value":"work"},{"op":"add","path":"title","value":"T"}]`,
			err:    &fail{InvalidValue, "lists the same value twice", 1},
			strict: true,
		},
		{
			name:     "3.5.2.1 a sub-attribute set on every value leaves no duplicates",
			doc:      over(userJSON, `{"emails":[{"value":"a@x"},{"value":"b@x","primary":true}]}`),
			ops:      `[{"op":"add","path":"emails.value","value":"q@x"}]`,
			want:     over(userJSON, `{"emails":[{"value":"q@x","primary":true}]}`),
			warnings: []string{`dropped a duplicate emails value "q@x"`},
		},
		{
			name:     "3.5.2.3 a duplicate a replace makes keeps the dropped element's display",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","type":"work","display":"Second"}]}`),
			ops:      `[{"op":"replace","path":"emails[value eq \"b@x\"].value","value":"a@x"}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true,"display":"Second"}]}`),
			warnings: []string{`dropped a duplicate emails value "a@x"`},
		},
		{
			name:     "3.5.2.3 a filtered replace that makes a value equal another leaves no duplicates",
			ops:      `[{"op":"replace","path":"emails[type eq \"home\"].type","value":"work"},{"op":"replace","path":"emails[type eq \"work\" and primary eq false].value","value":"bjensen@example.com"}]`,
			doc:      over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home","primary":false}]}`),
			want:     over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true}]}`),
			warnings: []string{`Operations[1]: dropped a duplicate emails value "bjensen@example.com"`},
		},
		{
			name: "3.5.2.1 multi-valued simple attribute appends values not present",
			ops:  `[{"op":"add","path":"$ACME:tags","value":["a","b"]},{"op":"add","path":"$ACME:tags","value":["B","c"]}]`,
			want: over(userJSON, `{"$ACME":{"tags":["a","b","c"]}}`),
		},
		{
			name: "3.5.2.1 value filter and sub-attribute set the sub-attribute of the matches",
			ops:  `[{"op":"add","path":"emails[type eq \"work\"].value","value":"barbara@example.com"}]`,
			want: over(userJSON, `{"emails":[{"value":"barbara@example.com","type":"work","primary":true},`+homeEmail+`]}`),
		},
		{
			name: "3.5.2.1 value filter without sub-attribute merges the value into the matches",
			ops:  `[{"op":"add","path":"emails[type eq \"home\"]","value":{"display":"Home mail"}}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,{"value":"babs@jensen.org","type":"home","display":"Home mail"}]}`),
		},
		{
			name: "IDP-QUIRKS eq filter matching nothing creates the element (deviation from 3.5.2.3 noTarget)",
			ops:  `[{"op":"add","path":"addresses[type eq \"work\"].locality","value":"Hollywood"}]`,
			want: over(userJSON, `{"addresses":[{"type":"work","locality":"Hollywood"}]}`),
		},
		{
			name: "IDP-QUIRKS and of eq filters matching nothing creates the element with every value",
			ops:  `[{"op":"add","path":"phoneNumbers[type eq \"fax\" and display eq \"Office fax\"].value","value":"555-1"}]`,
			want: over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work"},{"type":"fax","display":"Office fax","value":"555-1"}]}`),
		},
		{
			name: "IDP-QUIRKS eq filter without sub-attribute creates the element from the value",
			ops:  `[{"op":"add","path":"addresses[type eq \"home\"]","value":{"locality":"Springfield"}}]`,
			want: over(userJSON, `{"addresses":[{"type":"home","locality":"Springfield"}]}`),
		},
		{
			name: "3.5.2.1 filter that is not only eq and matches nothing is noTarget",
			ops:  `[{"op":"add","path":"emails[value co \"@nowhere\"].type","value":"other"}]`,
			err:  &fail{NoTarget, `no value of emails matches the filter`, 0},
		},
		{
			name: "3.5.2.1 or filter matching nothing is noTarget",
			ops:  `[{"op":"add","path":"addresses[type eq \"work\" or type eq \"home\"].locality","value":"Hollywood"}]`,
			err:  &fail{NoTarget, `addresses`, 0},
		},
		{
			name: "3.5.2.1 null adds nothing",
			ops:  `[{"op":"add","path":"title","value":null}]`,
			want: userJSON,
		},
		{
			name: "3.5.2.1 sub-attribute without filter sets it on every value",
			ops:  `[{"op":"add","path":"phoneNumbers.display","value":"Desk"}]`,
			want: over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work","display":"Desk"}]}`),
		},
		{
			name: "3.5.2.1 extension attribute by URN path",
			ops:  `[{"op":"add","path":"$ENT:costCenter","value":"4130"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","costCenter":"4130","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "3.5.2.1 extension attribute creates the extension object",
			doc:  over(userJSON, `{"$ENT":null}`),
			ops:  `[{"op":"add","path":"$ENT:department","value":"Sales"}]`,
			want: over(userJSON, `{"$ENT":{"department":"Sales"}}`),
		},
		{
			name: "3.5.2.1 whole extension by its URN merges its attributes",
			ops:  `[{"op":"add","path":"$ENT","value":{"costCenter":"4130","department":"Sales"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Sales","costCenter":"4130","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "3.5.2.1 host extension attribute by URN path",
			ops:  `[{"op":"add","path":"$ACME:level","value":3}]`,
			want: over(userJSON, `{"$ACME":{"level":3}}`),
		},
	})
}

func TestApplyReplace(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2.3 single-valued attribute",
			ops:  `[{"op":"replace","path":"displayName","value":"Babs"}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			name: "3.5.2.3 absent attribute is treated as add",
			ops:  `[{"op":"replace","path":"title","value":"Tour Guide"}]`,
			want: over(userJSON, `{"title":"Tour Guide"}`),
		},
		{
			name: "3.5.2.3 complex attribute: given sub-attributes replaced, others unchanged",
			ops:  `[{"op":"replace","path":"name","value":{"givenName":"Barb"}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barb"}}`),
		},
		{
			name: "3.5.2.3 multi-valued attribute without filter: all values replaced",
			ops:  `[{"op":"replace","path":"emails","value":[{"value":"new@x.org","type":"work"}]}]`,
			want: over(userJSON, `{"emails":[{"value":"new@x.org","type":"work"}]}`),
		},
		{
			name: "3.5.2.3 value filter and sub-attribute: the sub-attribute of every match is replaced",
			ops:  `[{"op":"replace","path":"emails[type eq \"home\"].value","value":"b@j.org"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,{"value":"b@j.org","type":"home"}]}`),
		},
		{
			name: "3.5.2.3 value filter without sub-attribute: matching values replaced",
			ops:  `[{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"b@j.org","type":"home","display":"B"}}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,{"value":"b@j.org","type":"home","display":"B"}]}`),
		},
		{
			name: "3.5.2.3 several matches are replaced by one value",
			doc:  over(userJSON, `{"phoneNumbers":[{"value":"1","type":"work"},{"value":"2","type":"work"},{"value":"3","type":"mobile"}]}`),
			ops:  `[{"op":"replace","path":"phoneNumbers[type eq \"work\"]","value":{"value":"9","type":"work"}}]`,
			want: over(userJSON, `{"phoneNumbers":[{"value":"9","type":"work"},{"value":"3","type":"mobile"}]}`),
		},
		{
			name: "3.5.2.3 value filter matching nothing (not eq-only) is noTarget",
			ops:  `[{"op":"replace","path":"emails[value sw \"zzz\"].type","value":"other"}]`,
			err:  &fail{NoTarget, `"emails[value sw \"zzz\"].type": no value of emails matches the filter`, 0},
		},
		{
			name: "IDP-QUIRKS eq filter matching nothing creates the element (deviation from 3.5.2.3 noTarget)",
			ops:  `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"o@x.org"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"type":"other","value":"o@x.org"}]}`),
		},
		{
			name: "IDP-QUIRKS creation only of an element the filter selects: a replaced eq value is noTarget",
			ops:  `[{"op":"replace","path":"emails[value eq \"a@x.com\"].value","value":"b@x.com"}]`,
			err:  &fail{NoTarget, `"emails[value eq \"a@x.com\"].value": no value of emails matches the filter, nor would the value the operation creates`, 0},
		},
		{
			name: "IDP-QUIRKS creation only of an element the filter selects: add of another value under an and of eq is noTarget",
			ops:  `[{"op":"add","path":"emails[type eq \"other\" and value eq \"a@x.com\"]","value":{"value":"b@x.com"}}]`,
			err:  &fail{NoTarget, `no value of emails matches the filter, nor would`, 0},
		},
		{
			name: "IDP-QUIRKS creation only of an element the filter selects: a replacing element of another type is noTarget",
			ops:  `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"home","locality":"Springfield"}}]`,
			err:  &fail{NoTarget, `no value of addresses matches the filter, nor would`, 0},
		},
		{
			name: "IDP-QUIRKS creation only of an element the filter selects: a sub-attribute the filter names set to another value is noTarget",
			ops:  `[{"op":"add","path":"phoneNumbers[type eq \"fax\"].type","value":"mobile"}]`,
			err:  &fail{NoTarget, `no value of phoneNumbers matches the filter, nor would`, 0},
		},
		{
			name: "IDP-QUIRKS creation of an element the filter selects: the same value in another case of a case-insensitive sub-attribute",
			ops:  `[{"op":"replace","path":"emails[value eq \"O@X.org\"].value","value":"o@x.org"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"value":"o@x.org"}]}`),
		},
		{
			name: "IDP-QUIRKS creation of an element the filter selects: another sub-attribute of the eq value",
			ops:  `[{"op":"replace","path":"emails[value eq \"o@x.org\"].type","value":"other"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"value":"o@x.org","type":"other"}]}`),
		},
		{
			name: "IDP-QUIRKS creation of an element the filter selects: a replacing element that repeats the filter's value",
			ops:  `[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","locality":"Springfield"}}]`,
			want: over(userJSON, `{"addresses":[{"type":"work","locality":"Springfield"}]}`),
		},
		{
			name: "RFC 7643 2.5 null unassigns the attribute",
			ops:  `[{"op":"replace","path":"displayName","value":null}]`,
			want: over(userJSON, `{"displayName":null}`),
		},
		{
			name: "RFC 7643 2.5 empty list unassigns a multi-valued attribute",
			ops:  `[{"op":"replace","path":"emails","value":[]}]`,
			want: over(userJSON, `{"emails":null}`),
		},
		{
			name: "RFC 7643 2.5 null unassigns a sub-attribute",
			ops:  `[{"op":"replace","path":"name.formatted","value":null}]`,
			want: over(userJSON, `{"name":{"familyName":"Jensen","givenName":"Barbara"}}`),
		},
		{
			name: "RFC 7643 2.5 null for a sub-attribute in a complex value unassigns it, as in an extension's object",
			ops:  `[{"op":"replace","path":"name","value":{"givenName":"Barb","formatted":null}}]`,
			want: over(userJSON, `{"name":{"familyName":"Jensen","givenName":"Barb"}}`),
		},
		{
			name: "RFC 7643 2.5 null for a sub-attribute in a no-path complex value unassigns it",
			ops:  `[{"op":"replace","value":{"name":{"formatted":null,"familyName":null}}}]`,
			want: over(userJSON, `{"name":{"givenName":"Barbara"}}`),
		},
		{
			name: "RFC 7643 2.5 null for every sub-attribute unassigns the complex value",
			ops:  `[{"op":"replace","path":"name","value":{"formatted":null,"familyName":null,"givenName":null}}]`,
			want: over(userJSON, `{"name":null}`),
		},
		{
			// What a remove of $ENT:manager.value leaves: a manager
			// without a value, which the typed user drops (compact).
			name: "RFC 7643 2.5 null for the manager's value removes it, as a remove of manager.value does",
			ops:  `[{"op":"replace","path":"$ENT:manager","value":{"value":null}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"displayName":"John Smith"}}}`),
		},
		{
			name: "RFC 7643 2.5 null for a sub-attribute of an absent complex value adds nothing",
			doc:  over(userJSON, `{"name":null}`),
			ops:  `[{"op":"replace","path":"name","value":{"givenName":null}}]`,
			want: over(userJSON, `{"name":null}`),
		},
		{
			name: "RFC 7643 2.5 null at a value filter removes the matches",
			ops:  `[{"op":"replace","path":"emails[type eq \"home\"]","value":null}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`]}`),
		},
		{
			name: "3.5.2.3 reference to another resource replaces the whole complex value",
			ops:  `[{"op":"replace","path":"$ENT:manager","value":{"value":"42"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"42"}}}`),
		},
		{
			name: "3.5.2.3 reference to the same resource merges sub-attributes",
			ops:  `[{"op":"replace","path":"$ENT:manager","value":{"value":"26118915","$ref":"../Users/26118915"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"26118915","$ref":"../Users/26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "3.5.2.3 manager.value naming another user drops the old referent's sub-attributes",
			ops:  `[{"op":"replace","path":"$ENT:manager.value","value":"42"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"42"}}}`),
		},
		{
			name: "3.5.2.3 whole extension: given attributes replaced, others unchanged",
			ops:  `[{"op":"replace","path":"$ENT","value":{"department":"Sales","costCenter":"4130"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Sales","costCenter":"4130","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "RFC 7643 2.5 null for a whole extension removes it",
			ops:  `[{"op":"replace","path":"$ENT","value":null}]`,
			want: over(userJSON, `{"$ENT":null}`),
		},
		{
			name: "3.5.2.3 integer attribute keeps an exact number",
			ops:  `[{"op":"replace","path":"$ACME:level","value":12}]`,
			want: over(userJSON, `{"$ACME":{"level":12}}`),
		},
		{
			name: "3.5.2.3 integer attribute rejects a fraction",
			ops:  `[{"op":"replace","path":"$ACME:level","value":1.5}]`,
			err:  &fail{InvalidValue, "must be an integer", 0},
		},
		{
			name: "3.5.2.3 sub-attribute without filter on a multi-valued attribute sets every value",
			ops:  `[{"op":"replace","path":"emails.display","value":"mail"}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"mail"},{"value":"babs@jensen.org","type":"home","display":"mail"}]}`),
		},
	})
}

func TestApplyRemove(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2.2 no path is noTarget",
			ops:  `[{"op":"remove"}]`,
			err:  &fail{NoTarget, "remove needs a path", 0},
		},
		{
			name: "3.5.2.2 single-valued attribute",
			ops:  `[{"op":"remove","path":"displayName"}]`,
			want: over(userJSON, `{"displayName":null}`),
		},
		{
			name: "3.5.2.2 attribute without a value: success, no change",
			ops:  `[{"op":"remove","path":"title"},{"op":"remove","path":"addresses"},{"op":"remove","path":"$ACME:tags"}]`,
			want: userJSON,
		},
		{
			name: "3.5.2.2 sub-attribute",
			ops:  `[{"op":"remove","path":"name.givenName"}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen"}}`),
		},
		{
			name: "3.5.2.2 removing the last sub-attribute unassigns the complex attribute",
			doc:  over(userJSON, `{"name":{"givenName":"Barbara"}}`),
			ops:  `[{"op":"remove","path":"name.givenName"}]`,
			want: over(userJSON, `{"name":null}`),
		},
		{
			name: "3.5.2.2 multi-valued attribute without filter: all values",
			ops:  `[{"op":"remove","path":"emails"}]`,
			want: over(userJSON, `{"emails":null}`),
		},
		{
			name: "3.5.2.2 value filter removes the matching values",
			ops:  `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`]}`),
		},
		{
			name: "3.5.2.2 no values left: the attribute is unassigned",
			ops:  `[{"op":"remove","path":"phoneNumbers[type eq \"work\"]"}]`,
			want: over(userJSON, `{"phoneNumbers":null}`),
		},
		{
			name: "3.5.2.2 value filter and sub-attribute remove it from the matches",
			ops:  `[{"op":"remove","path":"emails[type eq \"work\"].primary"}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work"},`+homeEmail+`]}`),
		},
		{
			name: "3.5.2.2 sub-attribute of a multi-valued attribute without filter: from every value",
			ops:  `[{"op":"remove","path":"emails.type"}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","primary":true},{"value":"babs@jensen.org"}]}`),
		},
		{
			name: "3.12 value filter matching nothing is noTarget",
			ops:  `[{"op":"remove","path":"emails[type eq \"other\"]"}]`,
			err:  &fail{NoTarget, `no value of emails matches the filter`, 0},
		},
		{
			name: "3.5.2.2 required attribute is mutability",
			ops:  `[{"op":"remove","path":"userName"}]`,
			err:  &fail{Mutability, `"userName" is required`, 0},
		},
		{
			name: "3.5.2.2 required attribute unassigned by replace null is mutability",
			ops:  `[{"op":"replace","path":"userName","value":null}]`,
			err:  &fail{Mutability, `"userName" is required`, 0},
		},
		{
			name: "3.5.2.2 required group displayName is mutability",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"remove","path":"displayName"}]`,
			err:  &fail{Mutability, `"displayName" is required`, 0},
		},
		{
			name: "3.5.2.2 extension attribute",
			ops:  `[{"op":"remove","path":"$ENT:department"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "3.5.2.2 the last extension attribute removes the extension object",
			doc:  over(userJSON, `{"$ENT":{"department":"Tour Operations"}}`),
			ops:  `[{"op":"remove","path":"$ENT:department"}]`,
			want: over(userJSON, `{"$ENT":null}`),
		},
		{
			name: "3.5.2.2 whole extension by its URN",
			ops:  `[{"op":"remove","path":"$ENT"}]`,
			want: over(userJSON, `{"$ENT":null}`),
		},
		{
			name: "3.5.2.2 complex extension attribute",
			ops:  `[{"op":"remove","path":"$ENT:manager"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations"}}`),
		},
		{
			name: "IDP-QUIRKS value list removes only the listed values of a multi-valued attribute",
			ops:  `[{"op":"remove","path":"emails","value":[{"value":"BABS@jensen.org"}]}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`]}`),
		},
		{
			name: "3.5.2.2 value filter on a multi-valued simple attribute",
			doc:  over(userJSON, `{"$ACME":{"tags":["a","b","c"]}}`),
			ops:  `[{"op":"remove","path":"$ACME:tags[value eq \"B\"]"}]`,
			want: over(userJSON, `{"$ACME":{"tags":["a","c"]}}`),
		},
		{
			name: "3.5.2.3 value filter on a multi-valued simple attribute replaces the match",
			doc:  over(userJSON, `{"$ACME":{"tags":["a","b","c"]}}`),
			ops:  `[{"op":"replace","path":"$ACME:tags[value eq \"b\"]","value":"x"},{"op":"add","path":"$ACME:tags[value eq \"d\"]","value":"d"}]`,
			want: over(userJSON, `{"$ACME":{"tags":["a","x","c","d"]}}`),
		},
		{
			name: "IDP-QUIRKS value list of simple values removes the equal ones",
			doc:  over(userJSON, `{"$ACME":{"tags":["a","b","c"]}}`),
			ops:  `[{"op":"remove","path":"$ACME:tags","value":["B","x"]}]`,
			want: over(userJSON, `{"$ACME":{"tags":["a","c"]}}`),
		},
		// A remove that makes two values equal (RFC 7643 §2.4) made the
		// duplicate, as an add or replace that does: dropped with a
		// warning, refused in strict mode, whatever else the PATCH does.
		{
			name:     "3.5.2.2 a filtered remove of a sub-attribute that makes two values equal leaves no duplicate",
			doc:      over(userJSON, `{"emails":[{"value":"x@x","type":"work","primary":true},{"value":"X@x","type":"home","display":"Home"}]}`),
			ops:      `[{"op":"remove","path":"emails[value eq \"x@x\"].type"}]`,
			want:     over(userJSON, `{"emails":[{"value":"x@x","primary":true,"display":"Home"}]}`),
			warnings: []string{`dropped a duplicate emails value "X@x"`},
		},
		{
			name:   "strict: a filtered remove of a sub-attribute that makes two values equal is invalidValue",
			doc:    over(userJSON, `{"emails":[{"value":"x@x","type":"work","primary":true},{"value":"X@x","type":"home"}]}`),
			ops:    `[{"op":"remove","path":"emails[value eq \"x@x\"].type"}]`,
			err:    &fail{InvalidValue, "lists the same value twice", 0},
			strict: true,
		},
		{
			name:   "strict: a remove of a sub-attribute of every value that makes two equal is invalidValue",
			doc:    over(userJSON, `{"emails":[{"value":"x@x","type":"work","primary":true},{"value":"X@x","type":"home"}]}`),
			ops:    `[{"op":"remove","path":"emails.type"}]`,
			err:    &fail{InvalidValue, "lists the same value twice", 0},
			strict: true,
		},
		{
			name:   "strict: a duplicate a remove makes is refused when a later add touches the attribute too",
			doc:    over(userJSON, `{"emails":[{"value":"x@x","type":"work","primary":true},{"value":"X@x","type":"home"}]}`),
			ops:    `[{"op":"remove","path":"emails[value eq \"x@x\"].type"},{"op":"add","path":"emails","value":[{"value":"n@x","type":"other"}]}]`,
			err:    &fail{InvalidValue, "lists the same value twice", 1},
			strict: true,
		},
		{
			name:     "strict: a remove beside duplicates stored by an earlier release tidies them with a warning",
			doc:      over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"A@x","type":"work"},{"value":"h@x","type":"home","display":"Home"}]}`),
			ops:      `[{"op":"remove","path":"emails[type eq \"home\"].display"}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x","type":"work","primary":true},{"value":"h@x","type":"home"}]}`),
			warnings: []string{`dropped a duplicate emails value "A@x"`},
			strict:   true,
		},
	})
}

func TestApplyMutability(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2 readOnly id",
			ops:  `[{"op":"replace","path":"id","value":"x"}]`,
			err:  &fail{Mutability, `"id" is readOnly`, 0},
		},
		{
			name: "3.5.2 readOnly meta",
			ops:  `[{"op":"add","path":"meta","value":{"version":"W/\"9\""}}]`,
			err:  &fail{Mutability, `"meta" is readOnly`, 0},
		},
		{
			name: "3.5.2 readOnly meta.version",
			ops:  `[{"op":"replace","path":"meta.version","value":"W/\"9\""}]`,
			err:  &fail{Mutability, `"meta.version" is readOnly`, 0},
		},
		{
			name: "3.5.2 readOnly groups",
			ops:  `[{"op":"add","path":"groups","value":[{"value":"g2"}]}]`,
			err:  &fail{Mutability, `"groups" is readOnly`, 0},
		},
		{
			name: "3.5.2 readOnly sub-attribute manager.displayName",
			ops:  `[{"op":"replace","path":"$ENT:manager.displayName","value":"Boss"}]`,
			err:  &fail{Mutability, `manager.displayName" is readOnly`, 0},
		},
		{
			name: "3.5.2.2 removing a readOnly attribute is mutability",
			ops:  `[{"op":"remove","path":"id"}]`,
			err:  &fail{Mutability, `"id" is readOnly`, 0},
		},
		{
			name: "3.3 readOnly keys inside a no-path value are ignored",
			ops:  `[{"op":"replace","value":{"id":"x","meta":{"version":"W/\"9\""},"groups":[],"schemas":["urn:x"],"meta.version":"1","displayName":"Babs"}}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			name: "3.3 readOnly sub-attributes inside a value are ignored",
			ops:  `[{"op":"replace","path":"$ENT:manager","value":{"value":"26118915","displayName":"Someone"}}]`,
			want: userJSON,
		},
		{
			name: "3.5.2 immutable attribute may be added when it has no value",
			ops:  `[{"op":"add","path":"$ACME:badge","value":"B1"}]`,
			want: over(userJSON, `{"$ACME":{"badge":"B1"}}`),
		},
		{
			name: "3.5.2 immutable attribute set to its own value is no change",
			doc:  over(userJSON, `{"$ACME":{"badge":"B1"}}`),
			ops:  `[{"op":"replace","path":"$ACME:badge","value":"b1"}]`,
			want: over(userJSON, `{"$ACME":{"badge":"B1"}}`),
		},
		{
			name: "3.5.2 immutable attribute cannot be changed",
			doc:  over(userJSON, `{"$ACME":{"badge":"B1"}}`),
			ops:  `[{"op":"replace","path":"$ACME:badge","value":"B2"}]`,
			err:  &fail{Mutability, `badge" is immutable`, 0},
		},
		{
			name: "3.5.2 immutable attribute cannot be removed",
			doc:  over(userJSON, `{"$ACME":{"badge":"B1"}}`),
			ops:  `[{"op":"remove","path":"$ACME:badge"}]`,
			err:  &fail{Mutability, `badge" is immutable`, 0},
		},
		{
			name: "3.5.2 immutable member sub-attribute cannot be changed",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"replace","path":"members[value eq \"2819c223\"].display","value":"Babs"}]`,
			err:  &fail{Mutability, `sub-attribute "display" is immutable`, 0},
		},
		{
			name: "3.5.2 immutable member sub-attribute cannot be removed",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"remove","path":"members[value eq \"2819c223\"].type"}]`,
			err:  &fail{Mutability, `sub-attribute "type" is immutable`, 0},
		},
		{
			name: "3.5.2 immutable member sub-attribute may be added when absent",
			eng:  groupEng,
			doc:  `{"displayName":"G","members":[{"value":"a1"}]}`,
			ops:  `[{"op":"add","path":"members[value eq \"a1\"].type","value":"User"}]`,
			want: `{"displayName":"G","members":[{"value":"a1","type":"User"}]}`,
		},
		{
			name: "3.5.2 whole members are added and removed despite immutable sub-attributes",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"remove","path":"members[value eq \"2819c223\"]"},{"op":"add","path":"members","value":[{"value":"a1","type":"User"}]}]`,
			want: over(groupJSON, `{"members":[{"value":"902c246b","display":"Mandy Pepperidge","type":"User"},{"value":"a1","type":"User"}]}`),
		},
	})
}

func TestApplyNoPath(t *testing.T) {
	runApply(t, []applyCase{
		{
			name: "3.5.2.3 no path: each attribute of the value is replaced",
			ops:  `[{"op":"replace","value":{"displayName":"Babs","active":false}}]`,
			want: over(userJSON, `{"displayName":"Babs","active":false}`),
		},
		{
			name: "3.5.2.1 no path: attribute names match case-insensitively",
			ops:  `[{"op":"add","value":{"DISPLAYNAME":"Babs","Title":"Guide"}}]`,
			want: over(userJSON, `{"displayName":"Babs","title":"Guide"}`),
		},
		{
			name: "3.5.2.1 no path: multi-valued attribute gets new values",
			ops:  `[{"op":"add","value":{"emails":[{"value":"x@y.z","type":"other"}]}}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"value":"x@y.z","type":"other"}]}`),
		},
		{
			name: "3.5.2.3 no path: complex attribute keeps unspecified sub-attributes",
			ops:  `[{"op":"replace","value":{"name":{"familyName":"Jensen-Smith"}}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen-Smith","givenName":"Barbara"}}`),
		},
		{
			name: "Entra aadOptscim062020 no path: dotted keys are paths",
			ops:  `[{"op":"replace","value":{"name.givenName":"Barb","name.familyName":"J"}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"J","givenName":"Barb"}}`),
		},
		{
			name: "Entra aadOptscim062020 no path: full URN keys are paths",
			ops:  `[{"op":"replace","value":{"$ENT:employeeNumber":"7","$ENT:manager":"42"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"7","department":"Tour Operations","manager":{"value":"42"}}}`),
		},
		{
			name: "Entra aadOptscim062020 no path: value-path keys are paths",
			ops:  `[{"op":"replace","value":{"emails[type eq \"work\"].value":"b@x.org","addresses[type eq \"work\"].locality":"Hollywood"}}]`,
			want: over(userJSON, `{"emails":[{"value":"b@x.org","type":"work","primary":true},`+homeEmail+`],"addresses":[{"type":"work","locality":"Hollywood"}]}`),
		},
		{
			name: "3.5.2.1 no path: extension URN key holds the extension's attributes",
			ops:  `[{"op":"add","value":{"$ENT":{"costCenter":"4130"},"$ACME":{"level":2}}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","costCenter":"4130","manager":{"value":"26118915","displayName":"John Smith"}},"$ACME":{"level":2}}`),
		},
		{
			name: "3.5.2.1 no path: core schema URN key holds core attributes",
			ops:  `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"displayName":"Babs"}}}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			name: "3.5.2.1 no path: core schema URN prefixed key",
			ops:  `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:displayName":"Babs"}}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			// As a path names a whole extension ($ENT), the core schema's
			// URN names the core attributes: the value holds some of them.
			name: "3.5.2.1 a path that is the core schema URN takes an object of core attributes",
			ops:  `[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User","value":{"displayName":"Babs","name":{"givenName":"Barb"}}}]`,
			want: over(userJSON, `{"displayName":"Babs","name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barb"}}`),
		},
		{
			name: "3.5.2.3 the same by replace, in another case",
			ops:  `[{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER","value":{"displayName":"Babs"}}]`,
			want: over(userJSON, `{"displayName":"Babs"}`),
		},
		{
			name: "3.5.2.3 a core schema URN path needs an object",
			ops:  `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User","value":"Babs"}]`,
			err:  &fail{InvalidValue, "must be a JSON object of attributes", 0},
		},
		{
			name: "3.5.2.2 the core schema is not removed whole",
			ops:  `[{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}]`,
			err:  &fail{InvalidPath, "names the core schema", 0},
		},
		{
			name:   "strict: no path: unknown attribute is refused naming it",
			ops:    `[{"op":"replace","value":{"displayName":"Babs","favouriteColour":"blue"}}]`,
			err:    &fail{InvalidPath, `"favouriteColour" is not an attribute of User or its extensions`, 0},
			strict: true,
		},
		{
			name:     "3.5.2.1 no path: attributes no schema defines are ignored, with warnings",
			ops:      `[{"op":"add","value":{"$ENT":{"badgeColour":"red"},"$ACME:shoeSize":"42","favouriteColour":"blue"}}]`,
			want:     userJSON,
			warnings: []string{`ignored unknown attribute "favouriteColour"`, `ignored unknown attribute "$ACME:shoeSize"`, `ignored unknown attribute "$ENT:badgeColour"`},
		},
		{
			name: "3.5.2.1 no path: schema URNs do not nest",
			ops:  `[{"op":"add","value":{"$ENT":{"urn:x:y":"1"}}}]`,
			err:  &fail{InvalidValue, "schema URNs do not nest", 0},
		},
		{
			name: "3.5.2 a path that puts a schema URN after the core URN is invalidPath: URNs do not nest",
			ops:  `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:$ENT:department","value":"x"}]`,
			err:  &fail{InvalidPath, "schema URNs do not nest", 0},
		},
		{
			name: "3.5.2.1 no path: a key that puts a schema URN after the core URN is invalidValue",
			ops:  `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:$ENT:department":"x"}}]`,
			err:  &fail{InvalidValue, "schema URNs do not nest", 0},
		},
		{
			name: "3.5.2.1 no path: the value must be an object",
			ops:  `[{"op":"replace","value":"Babs"}]`,
			err:  &fail{InvalidValue, "needs a value that is a JSON object", 0},
		},
		{
			name: "3.5.2.3 no path: null unassigns with replace",
			ops:  `[{"op":"replace","value":{"displayName":null,"title":null}}]`,
			want: over(userJSON, `{"displayName":null}`),
		},
		{
			name: "3.5.2.1 no path: null adds nothing",
			ops:  `[{"op":"add","value":{"displayName":null}}]`,
			want: userJSON,
		},
		{
			name: "3.5.2.1 no path: malformed key is invalidValue",
			ops:  `[{"op":"add","value":{"emails[type eq \"work\"]x":"x"}}]`,
			err:  &fail{InvalidValue, "emails[type eq", 0},
		},
		{
			name: "3.5.2.1 no path: a key's malformed value filter is invalidFilter, as in a path",
			ops:  `[{"op":"add","value":{"emails[type eq]":"x"}}]`,
			err:  &fail{InvalidFilter, "emails[type eq]", 0},
		},
		{
			name: "3.5.2.1 no path: filter on an unknown sub-attribute stays invalidFilter",
			ops:  `[{"op":"add","value":{"emails[kind eq \"work\"].value":"x"}}]`,
			err:  &fail{InvalidFilter, `"kind"`, 0},
		},
		{
			name: "3.5.2.1 no path: immutable attributes keep their rule",
			doc:  over(userJSON, `{"$ACME":{"badge":"B1"}}`),
			ops:  `[{"op":"replace","value":{"$ACME:badge":"B2"}}]`,
			err:  &fail{Mutability, "immutable", 0},
		},
	})
}

func TestApplyPrimary(t *testing.T) {
	runApply(t, []applyCase{
		{
			// RFC 7644 §3.5.2: a PATCH that sets a value's primary to true
			// "SHALL cause the server to automatically set "primary" to
			// "false" for any other values in the array": false, as a PUT
			// with two primaries gets, not unassigned.
			name: "RFC 7643 2.4 a new primary value takes primary from the old one",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"n@x.org","type":"other","primary":true}]}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},`+homeEmail+`,{"value":"n@x.org","type":"other","primary":true}]}`),
		},
		{
			name: "RFC 7643 2.4 primary set through a value filter wins",
			ops:  `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},{"value":"babs@jensen.org","type":"home","primary":true}]}`),
		},
		{
			name:     "RFC 7643 2.4 a replaced list with several primaries keeps the first, with a warning",
			ops:      `[{"op":"replace","path":"emails","value":[{"value":"a@x.org","primary":true},{"value":"b@x.org","primary":true}]}]`,
			want:     over(userJSON, `{"emails":[{"value":"a@x.org","primary":true},{"value":"b@x.org","primary":false}]}`),
			warnings: []string{`kept the first primary emails value, made "b@x.org" not primary`},
		},
		{
			name: "IDP-QUIRKS a created element is not primary",
			ops:  `[{"op":"add","path":"emails[type eq \"other\"].value","value":"o@x.org"}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,`+homeEmail+`,{"type":"other","value":"o@x.org"}]}`),
		},
		{
			name: "IDP-QUIRKS a created element is primary when the operation says so",
			ops:  `[{"op":"add","path":"emails[type eq \"other\" and primary eq true].value","value":"o@x.org"}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},`+homeEmail+`,{"type":"other","primary":true,"value":"o@x.org"}]}`),
		},
		{
			// An element that would hold nothing but type and primary is
			// not created (a user without a work email gets no work
			// email from emails[type eq "work"].primary), and the values
			// that are primary stay so: the operation changes nothing.
			name:     "IDP-QUIRKS a filtered primary alone creates nothing and demotes nothing",
			ops:      `[{"op":"add","path":"emails[type eq \"other\"].primary","value":true}]`,
			want:     userJSON,
			warnings: []string{`ignored "emails[type eq \"other\"].primary": no value of emails matches the filter, and the value it would create holds nothing but type and primary`},
		},
		{
			// One no-path value is one JSON object, without an order: the
			// ".primary" key (sorted before ".value") still applies to the
			// element ".value" creates, whatever order the keys came in.
			name: "IDP-QUIRKS a no-path filtered primary applies to the element its sibling creates",
			ops:  `[{"op":"replace","value":{"emails[type eq \"other\"].primary":true,"emails[type eq \"other\"].value":"o@x.org"}}]`,
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},`+homeEmail+`,{"type":"other","primary":true,"value":"o@x.org"}]}`),
		},
		{
			name:     "IDP-QUIRKS the same by replace",
			ops:      `[{"op":"replace","path":"emails[type eq \"other\"].primary","value":"True"}]`,
			want:     userJSON,
			warnings: []string{`ignored "emails[type eq \"other\"].primary": no value of emails matches the filter, and the value it would create holds nothing but type and primary`},
		},
		{
			name:     "IDP-QUIRKS the same with an object value",
			ops:      `[{"op":"add","path":"emails[type eq \"other\"]","value":{"primary":true}}]`,
			want:     userJSON,
			warnings: []string{`ignored "emails[type eq \"other\"]": no value of emails matches the filter, and the value it would create holds nothing but type and primary`},
		},
		{
			name:   "IDP-QUIRKS strict mode refuses it as RFC 7644 3.5.2.3 does",
			ops:    `[{"op":"add","path":"emails[type eq \"other\"].primary","value":true}]`,
			strict: true,
			err:    &fail{NoTarget, `no value of emails matches the filter`, 0},
		},
		{
			name: "RFC 7643 2.4 a later operation's primary wins",
			ops: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true},
			       {"op":"replace","path":"emails[type eq \"work\"].primary","value":true}]`,
			want: over(userJSON, `{"emails":[`+workEmail+`,{"value":"babs@jensen.org","type":"home","primary":false}]}`),
		},
		{
			name: "RFC 7644 3.5.2 a value already primary:false stays so",
			ops:  `[{"op":"add","path":"emails","value":[{"value":"n@x.org","primary":true}]}]`,
			doc:  over(userJSON, `{"emails":[`+workEmail+`,{"value":"babs@jensen.org","type":"home","primary":false}]}`),
			want: over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":false},{"value":"babs@jensen.org","type":"home","primary":false},{"value":"n@x.org","primary":true}]}`),
		},
	})
}

// TestApplyAtomic: a failing operation in the middle leaves the input
// unchanged, and the result never shares storage with the input.
func TestApplyAtomic(t *testing.T) {
	doc := mustDoc(userJSON)
	before := mustDoc(userJSON)
	ops := mustOps(`[
		{"op":"replace","path":"displayName","value":"Babs"},
		{"op":"add","path":"emails","value":[{"value":"n@x.org","primary":true}]},
		{"op":"replace","path":"name.givenName","value":"Barb"},
		{"op":"remove","path":"$ENT:manager"},
		{"op":"replace","path":"id","value":"stolen"},
		{"op":"replace","path":"title","value":"never applied"}
	]`)
	got, err := userEng.Apply(doc, ops, nil)
	requireError(t, err, fail{Mutability, `Operations[4]: "id" is readOnly`, 4})
	assert.Nil(t, got)
	assert.Equal(t, before, doc)

	got, err = userEng.Apply(doc, ops[:4], nil)
	require.NoError(t, err)
	got["emails"].([]any)[0].(map[string]any)["value"] = "changed"
	got["groups"].([]any)[0].(map[string]any)["display"] = "changed"
	got["meta"].(map[string]any)["version"] = "changed"
	assert.Equal(t, before, doc, "the result must not share storage with the input")

	got, err = Apply(userType, doc, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, before, got)
}

func TestDecode(t *testing.T) {
	ops, env, err := Decode([]byte(`{"schemas":["`+PatchOpSchema+`"],"id":"2819c223","Meta":{},"Operations":[
		{"Op":"Replace","Path":"active","Value":"False"},
		{"op":"replace","path":"title","value":null},
		{"op":"add","path":"title"},
		{"op":"add","path":null,"value":{"n":1.50,"l":[1]}}
	]}`), 10, nil)
	require.NoError(t, err)
	assert.Equal(t, []Operation{
		{Op: "Replace", Path: "active", Value: "False"},
		{Op: "replace", Path: "title", Value: JSONNull{}},
		{Op: "add", Path: "title"},
		{Op: "add", Value: map[string]any{"n": json.Number("1.50"), "l": []any{json.Number("1")}}},
	}, ops)
	assert.Equal(t, Envelope{Ignored: []string{"Meta", "id"}, Schemas: true, Listed: true}, env, "members beside Operations are named, sorted")

	// White space around an op or a path is noted for the caller to
	// bend; an op that names none is left for the engine to refuse as
	// sent, and letter case is no bend.
	_, env, err = Decode([]byte(`{"Operations":[
		{"op":" Replace ","path":"title","value":"x"},
		{"op":"remove","path":" title"},
		{"op":"\tadd","value":{}},
		{"op":" bogus ","path":"title"},
		{"op":"REMOVE","path":"title"}
	]}`), 10, nil)
	require.NoError(t, err)
	assert.Equal(t, Envelope{PaddedOp: []int{0, 2}, PaddedPath: []int{1}}, env, "padded ops and paths are noted by index")

	// An empty list is no error here: the handler bends or refuses it
	// (Microsoft's SCIM validator sends one).
	none, env, err := Decode([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`), 10, nil)
	require.NoError(t, err)
	assert.Empty(t, none)
	assert.Equal(t, Envelope{NoOperations: true, Schemas: true, Listed: true}, env, "an empty Operations list is noted")

	for _, tc := range []struct {
		name, body, scimType, detail string
		index                        int
	}{
		{"not JSON", `{`, InvalidSyntax, "malformed JSON", -1},
		{"not an object", `[]`, InvalidSyntax, "must be a JSON object", -1},
		{"no Operations", `{"schemas":[]}`, InvalidSyntax, `needs an "Operations" list`, -1},
		{"Operations not a list", `{"Operations":{}}`, InvalidSyntax, `needs an "Operations" list`, -1},
		{"too many", `{"Operations":[{"op":"add"},{"op":"add"},{"op":"add"}]}`, InvalidValue, "at most 2", -1},
		{"operation not an object", `{"Operations":["x"]}`, InvalidSyntax, "Operations[0]: an operation must be a JSON object", 0},
		{"op not a string", `{"Operations":[{"op":"add","value":1},{"op":1}]}`, InvalidSyntax, `Operations[1]: "op" must be a string`, 1},
		{"path not a string", `{"Operations":[{"op":"add","path":7}]}`, InvalidPath, `"path" must be a string`, 0},
		{"no op", `{"Operations":[{"path":"title","value":"x"}]}`, InvalidSyntax, "op is required", 0},
		{"Operations twice", `{"Operations":[{"op":"add"}],"Operations":[{"op":"remove"}]}`, InvalidSyntax, `the member "Operations" is given twice in one object`, -1},
		{"Operations in two spellings", `{"operations":[{"op":"add"}],"OPERATIONS":[]}`, InvalidSyntax, `the member "OPERATIONS" is given twice`, -1},
		{"schemas twice", `{"schemas":[],"schemas":[],"Operations":[{"op":"add"}]}`, InvalidSyntax, `the member "schemas" is given twice`, -1},
		{"op twice", `{"Operations":[{"op":"add","value":1},{"op":"add","op":"remove","path":"title"}]}`, InvalidSyntax, `Operations[1]: the member "op" is given twice`, 1},
		{"path in two spellings", `{"Operations":[{"op":"remove","path":"title","Path":"userName"}]}`, InvalidSyntax, `Operations[0]: the member "Path" is given twice`, 0},
		{"value twice", `{"Operations":[{"op":"add","path":"title","value":"a","value":"b"}]}`, InvalidSyntax, `Operations[0]: the member "value" is given twice`, 0},
		{"repeated inside the value", `{"Operations":[{"op":"add","value":{"name":{"givenName":"a","givenName":"b"}}}]}`, InvalidSyntax, `Operations[0]: the member "givenName" is given twice`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tc.body), 2, nil)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.scimType, pe.ScimType)
			assert.Equal(t, 400, pe.Status)
			assert.Equal(t, tc.index, pe.Index)
			assert.Contains(t, pe.Detail, tc.detail)
		})
	}

	b, err := json.Marshal(ops[1].Value)
	require.NoError(t, err)
	assert.Equal(t, `null`, string(b))
}

// TestDecodeSchemas: Decode says whether the body's "schemas" lists the
// PatchOp URN (RFC 7644 §3.5.2), or is one string that is it, for the
// handler to bend or refuse, and reading it allocates nothing, as it runs
// on every PATCH.
func TestDecodeSchemas(t *testing.T) {
	const ops = `"Operations":[{"op":"replace","path":"active","value":false}]`
	for _, tc := range []struct {
		name, body           string
		schemas, listed, one bool
	}{
		{"listed", `{"schemas":["` + PatchOpSchema + `"],` + ops + `}`, true, true, false},
		{"listed in another case, among others", `{"schemas":["urn:x",7,"URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],` + ops + `}`, true, true, false},
		{"listed with an escape", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Patch\u004fp"],` + ops + `}`, true, true, false},
		{"missing", `{` + ops + `}`, false, false, false},
		{"empty", `{"schemas":[],` + ops + `}`, true, false, false},
		{"another message's", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],` + ops + `}`, true, false, false},
		{"a prefix of it", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Patch"],` + ops + `}`, true, false, false},
		{"a long s is no s (names fold ASCII only), raw", `{"schemas":["urn:ietf:params:scim:api:meſſages:2.0:PatchOp"],` + ops + `}`, true, false, false},
		{"a long s is no s, escaped", `{"schemas":["urn:ietf:params:scim:api:me\u017f\u017fages:2.0:PatchOp"],` + ops + `}`, true, false, false},
		{"a string, not a list", `{"schemas":"` + PatchOpSchema + `",` + ops + `}`, true, true, true},
		{"a string of another URN", `{"schemas":"urn:ietf:params:scim:api:messages:2.0:SearchRequest",` + ops + `}`, true, false, true},
		{"a string in another case", `{"schemas":"URN:ietf:params:scim:api:messages:2.0:PATCHOP",` + ops + `}`, true, true, true},
		{"null", `{"schemas":null,` + ops + `}`, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, env, err := Decode([]byte(tc.body), 10, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.schemas, env.Schemas)
			assert.Equal(t, tc.listed, env.Listed)
			assert.Equal(t, tc.one, env.One)
			// The same answer as every other body's check of its URN.
			doc, err := resources.Decode([]byte(tc.body))
			require.NoError(t, err)
			listed, one := resources.NamesSchema(doc["schemas"], PatchOpSchema)
			assert.Equal(t, [2]bool{tc.listed, tc.one}, [2]bool{listed, one}, "resources.NamesSchema agrees")
		})
	}

	if race.Enabled {
		return // allocation counts are the race detector's then
	}
	with := []byte(`{"schemas":["` + PatchOpSchema + `"],` + ops + `}`)
	without := []byte(`{` + ops + `}`)
	allocs := func(body []byte) float64 {
		return testing.AllocsPerRun(100, func() {
			if _, _, err := Decode(body, 10, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, allocs(without), allocs(with), "checking schemas allocates nothing")
	others := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest","` + PatchOpSchema + `"],` + ops + `}`)
	assert.Equal(t, allocs(without), allocs(others), "nor does another URN listed first")
}

// TestApplyNoPathKeyDetails: a no-path value's key that is refused is
// named as the value's key the client sent, never as a path, whatever
// refuses it: the parser, the schema, a value filter or strict mode.
func TestApplyNoPathKeyDetails(t *testing.T) {
	for _, tc := range []struct {
		name     string
		value    string // the no-path replace's value
		strict   bool
		scimType string
		detail   string // the whole detail
	}{
		{
			name:     "a schema URN nested after the core URN",
			value:    `{"urn:ietf:params:scim:schemas:core:2.0:User:$ENT:department":"x"}`,
			scimType: InvalidValue,
			detail:   `Operations[0]: value key "urn:ietf:params:scim:schemas:core:2.0:User:$ENT:department": schema URN 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' after 'urn:ietf:params:scim:schemas:core:2.0:User' at offset 43: schema URNs do not nest (an attribute name holds no ':', RFC 7643 §2.1)`,
		},
		{
			name:     "strict: an unknown attribute",
			value:    `{"favouriteColour":"blue"}`,
			strict:   true,
			scimType: InvalidPath,
			detail:   `Operations[0]: value key "favouriteColour" is not an attribute of User or its extensions; send one that GET /Schemas lists (strict mode)`,
		},
		{
			name:     "strict: an unknown sub-attribute",
			value:    `{"name.nickname":"blue"}`,
			strict:   true,
			scimType: InvalidPath,
			detail:   `Operations[0]: value key "name.nickname" is not a sub-attribute of "name"; send one that GET /Schemas lists for it: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix (strict mode)`,
		},
		{
			name:     "strict: an unquoted value in a key's filter",
			value:    `{"emails[type eq work].value":"x"}`,
			strict:   true,
			scimType: InvalidFilter,
			detail:   `Operations[0]: value key "emails[type eq work].value": string values must be quoted: "work" (strict mode)`,
		},
		{
			name:     "strict: an unknown key inside an extension's object",
			value:    `{"$ENT":{"favourite":"x"}}`,
			strict:   true,
			scimType: InvalidPath,
			detail:   `Operations[0]: value key "favourite" in "$ENT" is not an attribute of User or its extensions; send one that GET /Schemas lists (strict mode)`,
		},
		{
			name:     "a malformed key inside an extension's object",
			value:    `{"$ENT":{"manager[value eq]":"x"}}`,
			scimType: InvalidFilter,
			detail:   `Operations[0]: value key "manager[value eq]" in "$ENT", read as "$ENT:manager[value eq]": expected a value after 'eq' at offset 75, found ']'`,
		},
		{
			name:     "a malformed key",
			value:    `{"emails[type eq \"work\"]x":"x"}`,
			scimType: InvalidValue,
			detail:   `Operations[0]: value key "emails[type eq \"work\"]x": unexpected 'x' at offset 22, expected end of path`,
		},
		{
			name:     "a key's malformed value filter",
			value:    `{"emails[type eq]":"x"}`,
			scimType: InvalidFilter,
			detail:   `Operations[0]: value key "emails[type eq]": expected a value after 'eq' at offset 14, found ']'`,
		},
		{
			name:     "a sub-attribute of a simple attribute",
			value:    `{"displayName.x":"x"}`,
			scimType: InvalidValue,
			detail:   `Operations[0]: value key "displayName.x" is not a sub-attribute of "displayName", which has none; send "displayName" itself`,
		},
		{
			name:     "a value filter on a single-valued simple attribute",
			value:    `{"displayName[value eq \"x\"]":"x"}`,
			scimType: InvalidValue,
			detail:   `Operations[0]: value key "displayName[value eq \"x\"]": "displayName" is single-valued; a value filter needs a multi-valued or complex attribute`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := mustOps(`[{"op":"replace","value":` + tc.value + `}]`)
			_, err := userEng.Apply(mustDoc(userJSON), ops, &resources.Lenience{Strict: tc.strict})
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.scimType, pe.ScimType)
			assert.Equal(t, expand(tc.detail), pe.Detail)
		})
	}
}

// TestApplyFilterConversion: an operand of a path's value filter read as
// another type than sent (query.Conversion) is a bend, in the words a
// list's filter is reported in, naming the attribute whole: a warning,
// or in strict mode an invalidFilter refusal saying what to send. The
// value filters identity providers send convert nothing.
func TestApplyFilterConversion(t *testing.T) {
	const display = `[{"op":"replace","path":"emails[primary eq \"True\"].display","value":"D"}]`
	displayed := over(userJSON, `{"emails":[{"value":"bjensen@example.com","type":"work","primary":true,"display":"D"},`+homeEmail+`]}`)
	runApply(t, []applyCase{
		{
			name: "a string for a boolean", ops: display, want: displayed,
			warnings: []string{`filter value "True" for boolean attribute "emails.primary" read as true`},
		},
		{
			name: "a string for a boolean, strict", ops: display, strict: true,
			err: &fail{InvalidFilter, `"emails.primary" is a boolean and the filter compares it with "True"; send true (strict mode`, 0},
		},
		{
			name: "a number for a string, on a single complex attribute, strict", strict: true,
			ops: `[{"op":"replace","path":"title","value":"T"},{"op":"remove","path":"$ENT:manager[value eq 26118915]"}]`,
			err: &fail{InvalidFilter, `Operations[1]: "manager.value" is a string and the filter compares it with 26118915; send "26118915"`, 1},
		},
		{
			name: "Entra's filter, strict", strict: true,
			ops:  `[{"op":"replace","path":"emails[type eq \"work\"].display","value":"D"}]`,
			want: displayed,
		},
	})
}
