package patch

import "testing"

// TestIdPQuirks replays every PATCH behaviour of /work/shared/IDP-QUIRKS.md
// on Apply, with the bodies the providers document.
func TestIdPQuirks(t *testing.T) {
	const (
		mandy = `{"value":"902c246b","display":"Mandy Pepperidge","type":"User"}`
		babs  = `{"value":"2819c223","display":"Babs Jensen","type":"User"}`
	)
	runApply(t, []applyCase{
		// Microsoft Entra ID, legacy mode (no aadOptscim062020).
		{
			name: "Entra legacy: capitalised ops",
			ops:  `[{"op":"Replace","path":"displayName","value":"Babs"},{"op":"Add","path":"title","value":"Guide"},{"op":"Remove","path":"$ENT:department"}]`,
			want: over(userJSON, `{"displayName":"Babs","title":"Guide","$ENT":{"employeeNumber":"701984","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: `Entra legacy: Replace active "False" disables the user with a boolean`,
			ops:  `[{"op":"Replace","path":"active","value":"False"}]`,
			want: over(userJSON, `{"active":false}`),
		},
		{
			name: `Entra legacy: "True" in any case is a boolean`,
			doc:  over(userJSON, `{"active":false}`),
			ops:  `[{"op":"Replace","path":"active","value":"TRUE"}]`,
			want: userJSON,
		},
		{
			name: "Entra legacy: Remove members with a value list removes only those members",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"Remove","path":"members","value":[{"value":"2819c223"}]}]`,
			want: over(groupJSON, `{"members":[`+mandy+`]}`),
		},
		{
			name:     "Entra legacy: Remove of a member that is already gone changes nothing",
			eng:      groupEng,
			doc:      groupJSON,
			ops:      `[{"op":"Remove","path":"members","value":[{"value":"gone"}]}]`,
			want:     groupJSON,
			warnings: []string{`removed no member "gone": the group has none with that value`},
		},
		{
			name: "Entra legacy: several changes as one Replace per path",
			ops: `[{"op":"Replace","path":"displayName","value":"B. Jensen"},
			       {"op":"Replace","path":"name.familyName","value":"Jensen-Smith"},
			       {"op":"Replace","path":"$ENT:department","value":"Sales"},
			       {"op":"Replace","path":"emails[type eq \"work\"].value","value":"b@example.com"},
			       {"op":"Replace","path":"active","value":"False"}]`,
			want: over(userJSON, `{"displayName":"B. Jensen","active":false,
				"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen-Smith","givenName":"Barbara"},
				"emails":[{"value":"b@example.com","type":"work","primary":true},`+homeEmail+`],
				"$ENT":{"employeeNumber":"701984","department":"Sales","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "Entra: a cleared work email is removed with its element, not left as {type, primary}",
			ops:  `[{"op":"Remove","path":"emails[type eq \"work\"].value","value":"bjensen@example.com"}]`,
			want: over(userJSON, `{"emails":[`+homeEmail+`]}`),
		},
		{
			name: "Entra: a cleared mobile, sent without the old value, removes the element",
			doc:  over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work"},{"value":"555-0110","type":"mobile"}]}`),
			ops:  `[{"op":"remove","path":"phoneNumbers[type eq \"mobile\"].value"}]`,
			want: userJSON,
		},
		{
			name: "Entra: the last sub-attribute of the work address removed one by one removes the address",
			doc:  over(userJSON, `{"addresses":[{"type":"work","locality":"Redmond","postalCode":"98052","primary":true}]}`),
			ops:  `[{"op":"Remove","path":"addresses[type eq \"work\"].locality"},{"op":"Remove","path":"addresses[type eq \"work\"].postalCode"}]`,
			want: over(userJSON, `{"addresses":null}`),
		},
		{
			name: "Entra: a remove whose value is no longer the current one changes nothing",
			ops: `[{"op":"Remove","path":"emails[type eq \"work\"].value","value":"old@example.com"},
			       {"op":"Remove","path":"title","value":"Guide"},
			       {"op":"Remove","path":"name.givenName","value":["Babs"]},
			       {"op":"Remove","path":"$ENT:manager","value":[{"value":"someone-else"}]}]`,
			want: userJSON,
		},
		{
			name: "Entra: a remove whose value is the current one removes it (case-insensitive where the attribute is)",
			ops: `[{"op":"Remove","path":"displayName","value":"BABS JENSEN"},
			       {"op":"Remove","path":"name.givenName","value":[{"value":"Barbara"}]},
			       {"op":"Remove","path":"$ENT:manager","value":[{"value":"26118915"}]}]`,
			want: over(userJSON, `{"displayName":null,"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen"},
				"$ENT":{"employeeNumber":"701984","department":"Tour Operations"}}`),
		},
		{
			name: "Entra: remove manager[value eq id] removes the manager when it is that one",
			ops:  `[{"op":"Remove","path":"$ENT:manager[value eq \"26118915\"]"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations"}}`),
		},
		{
			name: "Entra: remove manager[value eq id] of another manager changes nothing",
			ops:  `[{"op":"Remove","path":"$ENT:manager[value eq \"someone-else\"]"}]`,
			want: userJSON,
		},
		{
			name: "Entra: replace manager[value eq id] replaces the manager it selects",
			ops:  `[{"op":"Replace","path":"$ENT:manager[value eq \"26118915\"]","value":{"value":"42"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"42"}}}`),
		},
		{
			name: "Entra: replace manager[value eq id].value of another manager changes nothing",
			ops:  `[{"op":"Replace","path":"$ENT:manager[value eq \"someone-else\"].value","value":"42"}]`,
			want: userJSON,
		},
		{
			name: "Entra: replace manager[value eq id] with no manager yet sets it",
			doc:  over(userJSON, `{"$ENT":{"employeeNumber":"701984"}}`),
			ops:  `[{"op":"Replace","path":"$ENT:manager[value eq \"42\"]","value":"42"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","manager":{"value":"42"}}}`),
		},
		{
			name: "a filter on a single complex value names its sub-attributes",
			ops:  `[{"op":"Remove","path":"$ENT:manager[nope eq \"x\"]"}]`,
			err:  &fail{InvalidFilter, "nope", 0},
		},
		{
			name: "a remove with a null or empty value is a plain remove",
			ops:  `[{"op":"Remove","path":"$ENT:department","value":""},{"op":"Remove","path":"$ENT:manager","value":[{"$ref":null,"value":null}]}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984"}}`),
		},
		{
			name: "Entra: Add members with $ref null",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"5d48a0a8"}]}]`,
			want: over(groupJSON, `{"members":[`+babs+`,`+mandy+`,{"value":"5d48a0a8"}]}`),
		},
		{
			name: "Entra: Add of a member already present changes nothing",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"2819c223"}]}]`,
			want: groupJSON,
		},
		{
			name: "Entra: Add members to a group created with none",
			eng:  groupEng,
			doc:  `{"id":"g1","displayName":"New"}`,
			ops:  `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"a1"},{"$ref":null,"value":"a2"}]}]`,
			want: `{"id":"g1","displayName":"New","members":[{"value":"a1"},{"value":"a2"}]}`,
		},
		// Microsoft Entra ID with aadOptscim062020.
		{
			name: "Entra aadOptscim062020: lowercase ops and real booleans",
			ops:  `[{"op":"replace","path":"active","value":false}]`,
			want: over(userJSON, `{"active":false}`),
		},
		{
			name: "Entra aadOptscim062020: member removal by value filter",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"remove","path":"members[value eq \"2819c223\"]"}]`,
			want: over(groupJSON, `{"members":[`+mandy+`]}`),
		},
		{
			name:     "Entra aadOptscim062020: member removal by filter of a member already gone succeeds",
			eng:      groupEng,
			doc:      groupJSON,
			ops:      `[{"op":"remove","path":"members[value eq \"gone\"]"}]`,
			want:     groupJSON,
			warnings: []string{`removed no member "gone": the group has none with that value`},
		},
		{
			name: "Entra aadOptscim062020: one no-path replace with dotted and URN keys",
			ops:  `[{"op":"replace","value":{"name.givenName":"A","$ENT:employeeNumber":"7"}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"A"},
				"$ENT":{"employeeNumber":"7","department":"Tour Operations","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "Entra aadOptscim062020: no-path replace with value-path and boolean keys",
			ops:  `[{"op":"replace","value":{"displayName":"Babs","emails[type eq \"work\"].value":"b@example.com","active":false}}]`,
			want: over(userJSON, `{"displayName":"Babs","active":false,"emails":[{"value":"b@example.com","type":"work","primary":true},`+homeEmail+`]}`),
		},
		// Paths Entra ID uses.
		{
			name: `Entra: Add emails[type eq "work"].value replaces the work email`,
			ops:  `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"barbara@example.com"}]`,
			want: over(userJSON, `{"emails":[{"value":"barbara@example.com","type":"work","primary":true},`+homeEmail+`]}`),
		},
		{
			name: `Entra: Add emails[type eq "work"].value for a user without emails creates one`,
			doc:  over(userJSON, `{"emails":null}`),
			ops:  `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"barbara@example.com"}]`,
			want: over(userJSON, `{"emails":[{"type":"work","value":"barbara@example.com"}]}`),
		},
		{
			name: `Entra: Add phoneNumbers[type eq "mobile"].value creates the mobile phone`,
			ops:  `[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}]`,
			want: over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work"},{"type":"mobile","value":"+1 555 0100"}]}`),
		},
		{
			name: "Entra: a work address sent as five sub-attribute operations is ONE address",
			ops: `[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"911 Universal City Plaza"},
			       {"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Hollywood"},
			       {"op":"Add","path":"addresses[type eq \"work\"].region","value":"CA"},
			       {"op":"Add","path":"addresses[type eq \"work\"].postalCode","value":"91608"},
			       {"op":"Add","path":"addresses[type eq \"work\"].country","value":"US"}]`,
			want: over(userJSON, `{"addresses":[{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US"}]}`),
		},
		{
			name: "Entra: the same with Replace ops",
			ops: `[{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"911 Universal City Plaza"},
			       {"op":"Replace","path":"addresses[type eq \"work\"].locality","value":"Hollywood"},
			       {"op":"Replace","path":"addresses[type eq \"work\"].region","value":"CA"},
			       {"op":"Replace","path":"addresses[type eq \"work\"].postalCode","value":"91608"},
			       {"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"911 Universal City Plaza\nHollywood, CA 91608 US"}]`,
			want: over(userJSON, `{"addresses":[{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US"}]}`),
		},
		{
			name: "Entra: Add on a filtered element that has the sub-attribute replaces it",
			doc:  over(userJSON, `{"addresses":[{"type":"work","streetAddress":"old street","locality":"Hollywood"}]}`),
			ops:  `[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"new street"}]`,
			want: over(userJSON, `{"addresses":[{"type":"work","streetAddress":"new street","locality":"Hollywood"}]}`),
		},
		{
			name: "Entra: a created element is never primary",
			doc:  over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work","primary":true}]}`),
			ops:  `[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}]`,
			want: over(userJSON, `{"phoneNumbers":[{"value":"555-555-5555","type":"work","primary":true},{"type":"mobile","value":"+1 555 0100"}]}`),
		},
		{
			name: "Entra: name.familyName, displayName and active paths",
			ops:  `[{"op":"Replace","path":"name.familyName","value":"J"},{"op":"Replace","path":"displayName","value":"BJ"},{"op":"Replace","path":"active","value":"false"}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"J","givenName":"Barbara"},"displayName":"BJ","active":false}`),
		},
		{
			name: "Entra: enterprise department by URN path",
			ops:  `[{"op":"Replace","path":"$ENT:department","value":"Sales"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Sales","manager":{"value":"26118915","displayName":"John Smith"}}}`),
		},
		{
			name: "Entra: manager as a bare string id",
			ops:  `[{"op":"Add","path":"$ENT:manager","value":"123"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"123"}}}`),
		},
		{
			name: "Entra: manager as an object",
			ops:  `[{"op":"Replace","path":"$ENT:manager","value":{"value":"123"}}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"123"}}}`),
		},
		{
			name: "Entra: manager for a user without the enterprise extension",
			doc:  over(userJSON, `{"$ENT":null}`),
			ops:  `[{"op":"Add","path":"$ENT:manager","value":"123"}]`,
			want: over(userJSON, `{"$ENT":{"manager":{"value":"123"}}}`),
		},
		{
			name: "Entra: manager removed",
			ops:  `[{"op":"Remove","path":"$ENT:manager"}]`,
			want: over(userJSON, `{"$ENT":{"employeeNumber":"701984","department":"Tour Operations"}}`),
		},
		{
			name: "Entra: stray id inside a value is ignored, name is applied",
			ops:  `[{"op":"Replace","value":{"id":"00000000-0000-0000-0000-000000000000","name":{"givenName":"B"}}}]`,
			want: over(userJSON, `{"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"B"}}`),
		},
		// Okta.
		{
			name: "Okta: deactivate with a no-path replace {active:false}",
			ops:  `[{"op":"replace","value":{"active":false}}]`,
			want: over(userJSON, `{"active":false}`),
		},
		{
			name: "Okta: group rename as a no-path replace {id, displayName}",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"replace","value":{"id":"e9e30dba","displayName":"Tour Guides EMEA"}}]`,
			want: over(groupJSON, `{"displayName":"Tour Guides EMEA"}`),
		},
		{
			name: "Okta: member remove by filter plus add without type",
			eng:  groupEng,
			doc:  groupJSON,
			ops: `[{"op":"remove","path":"members[value eq \"2819c223\"]"},
			       {"op":"add","path":"members","value":[{"value":"5d48a0a8","display":"Joe"}]}]`,
			want: over(groupJSON, `{"members":[`+mandy+`,{"value":"5d48a0a8","display":"Joe"}]}`),
		},
		{
			name: "Okta: rename resent with membership updates",
			eng:  groupEng,
			doc:  groupJSON,
			ops: `[{"op":"replace","value":{"id":"e9e30dba","displayName":"Guides"}},
			       {"op":"remove","path":"members[value eq \"902c246b\"]"},
			       {"op":"add","path":"members","value":[{"value":"5d48a0a8"}]}]`,
			want: over(groupJSON, `{"displayName":"Guides","members":[`+babs+`,{"value":"5d48a0a8"}]}`),
		},
		{
			name: "Okta: replace members with the full list",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"replace","path":"members","value":[{"value":"902c246b"},{"value":"5d48a0a8"}]}]`,
			want: over(groupJSON, `{"members":[{"value":"902c246b"},{"value":"5d48a0a8"}]}`),
		},
		{
			name: "Okta: an emptied group sends replace members []",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"replace","path":"members","value":[]}]`,
			want: over(groupJSON, `{"members":null}`),
		},
		// JumpCloud.
		{
			name: "JumpCloud: group rename as a no-path replace {displayName}",
			eng:  groupEng,
			doc:  groupJSON,
			ops:  `[{"op":"replace","value":{"displayName":"Guides"}}]`,
			want: over(groupJSON, `{"displayName":"Guides"}`),
		},
		{
			name: "JumpCloud: members added and removed with value lists",
			eng:  groupEng,
			doc:  groupJSON,
			ops: `[{"op":"add","path":"members","value":[{"value":"5d48a0a8"}]},
			       {"op":"remove","path":"members","value":[{"value":"902c246b"}]}]`,
			want: over(groupJSON, `{"members":[`+babs+`,{"value":"5d48a0a8"}]}`),
		},
	})
}
