package patch

import "testing"

// TestApplyKeyGivenTwice: a no-path value that names one target under two
// keys, with and without its schema's URN, is refused as
// resources.ResourceType.Normalize refuses an attribute given twice in a
// body, rather than applied twice in the keys' sorted order, the later
// winning.
func TestApplyKeyGivenTwice(t *testing.T) {
	const core = "urn:ietf:params:scim:schemas:core:2.0:User"
	twice := func(name string) *fail {
		return &fail{scimType: InvalidSyntax, detail: expand(`"` + name + `" in the value`), index: 0}
	}
	runApply(t, []applyCase{
		{name: "a core attribute and its qualified key", ops: `[{"op":"replace","value":{"title":"a","` + core + `:title":"b"}}]`, err: twice("title")},
		{name: "a core attribute and the core URN's object", ops: `[{"op":"replace","value":{"title":"a","` + core + `":{"title":"b"}}}]`, err: twice("title")},
		{name: "the qualified key and the core URN's object", ops: `[{"op":"add","value":{"` + core + `:title":"a","` + core + `":{"TITLE":"b"}}}]`, err: twice("title")},
		{name: "the password and its qualified key", ops: `[{"op":"replace","value":{"password":"a","` + core + `:password":"b"}}]`, err: twice("password")},
		{name: "a sub-attribute and its qualified key", ops: `[{"op":"replace","value":{"name.givenName":"a","` + core + `:name.givenName":"b"}}]`, err: twice("name.givenName")},
		{name: "a sub-attribute in two spellings, one inside the core URN's object", ops: `[{"op":"replace","value":{"NAME.givenname":"a","` + core + `":{"name.givenName":"b"}}}]`, err: twice("name.givenName")},
		{name: "a filtered key and its qualified key", ops: `[{"op":"replace","value":{"emails[type eq \"work\"].value":"a@x","` + core + `:emails[type eq \"work\"].value":"b@x"}}]`, err: twice(`emails[type eq \"work\"].value`)},
		{name: "an enterprise attribute qualified and in the extension's object", ops: `[{"op":"replace","value":{"$ENT:department":"a","$ENT":{"department":"b"}}}]`, err: twice("$ENT:department")},
		{name: "an enterprise sub-attribute qualified and in the extension's object", ops: `[{"op":"replace","value":{"$ENT:manager.value":"a","$ENT":{"manager.value":"b"}}}]`, err: twice("$ENT:manager.value")},
		{name: "a host extension's attribute in its object and qualified", ops: `[{"op":"replace","value":{"$ACME":{"level":1},"$ACME:level":2}}]`, err: twice("$ACME:level")},
		{name: "a host extension's attribute qualified and in its object", ops: `[{"op":"add","value":{"$ACME":{"tags":["a"]},"$ACME:TAGS":["b"]}}]`, err: twice("$ACME:tags")},
		{name: "in two spellings at one level, as before", ops: `[{"op":"replace","value":{"title":"a","TITLE":"b"}}]`, err: twice("title")},
		{
			// Two targets, though both hold givenName: applied in
			// sorted order, the whole name first (applyKeys).
			name: "an attribute and its sub-attribute", ops: `[{"op":"replace","value":{"name":{"givenName":"a"},"name.givenName":"b"}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"b"}}`),
		},
		{
			name: "two filters of one attribute", ops: `[{"op":"replace","value":{"emails[type eq \"work\"].value":"w@x","emails[type eq \"home\"].value":"h@x"}}]`,
			want: over(userJSON, `{"emails":[{"value":"w@x","type":"work","primary":true},{"value":"h@x","type":"home"}]}`),
		},
		{
			// Entra's aadOptscim062020 form: one target per key.
			name: "dotted and URN keys naming other targets", ops: `[{"op":"replace","value":{"name.givenName":"A","$ENT:employeeNumber":"7","$ENT":{"department":"D"},"` + core + `":{"title":"T"}}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"A"},"title":"T","$ENT":{"employeeNumber":"7","department":"D","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			// Ignored under every key, as Normalize ignores it.
			name: "a read-only attribute under two keys", ops: `[{"op":"replace","value":{"id":"a","` + core + `:id":"b","title":"T"}}]`,
			want: over(userJSON, `{"title":"T"}`),
		},
		{
			name: "one target in two operations", ops: `[{"op":"replace","value":{"title":"a"}},{"op":"replace","value":{"` + core + `:title":"b"}}]`,
			want: over(userJSON, `{"title":"b"}`),
		},
	})
}
