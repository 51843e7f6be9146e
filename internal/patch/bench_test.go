package patch

import "testing"

// BenchmarkApplyReplaceActive: Entra's deactivation, one replace of active
// on a typical user.
func BenchmarkApplyReplaceActive(b *testing.B) {
	doc := mustDoc(userJSON)
	ops := mustOps(`[{"op":"Replace","path":"active","value":"False"}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userEng.Apply(doc, ops, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyNoPathDeactivate: Okta's deactivation, a replace without a
// path whose value holds active.
func BenchmarkApplyNoPathDeactivate(b *testing.B) {
	doc := mustDoc(userJSON)
	ops := mustOps(`[{"op":"replace","value":{"active":false}}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userEng.Apply(doc, ops, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// workAddressOps are Entra's five sub-attribute operations on a work
// address, one request.
const workAddressOps = `[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"911 Universal City Plaza"},
	{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Hollywood"},
	{"op":"Add","path":"addresses[type eq \"work\"].region","value":"CA"},
	{"op":"Add","path":"addresses[type eq \"work\"].postalCode","value":"91608"},
	{"op":"Add","path":"addresses[type eq \"work\"].country","value":"US"}]`

// BenchmarkApplyWorkAddress: Entra's five sub-attribute operations on a
// work address (workAddressOps).
func BenchmarkApplyWorkAddress(b *testing.B) {
	doc := mustDoc(userJSON)
	ops := mustOps(workAddressOps)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userEng.Apply(doc, ops, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanMembersAddOne: Entra adding one member to a group.
func BenchmarkPlanMembersAddOne(b *testing.B) {
	ops := mustOps(`[{"op":"Add","path":"members","value":[{"$ref":null,"value":"5d48a0a8"}]}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := groupEng.PlanMembers(ops, nil); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkDecodeDeactivate decodes Entra ID's deactivation, the most
// frequent PATCH body.
func BenchmarkDecodeDeactivate(b *testing.B) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(body, 1000, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyAddEmail: an email added to a typical user, the path
// whose result is held to the duplicate rule (tidyValues).
func BenchmarkApplyAddEmail(b *testing.B) {
	doc := mustDoc(userJSON)
	ops := mustOps(`[{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"other"}]}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userEng.Apply(doc, ops, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetsPassword: the handler's forecast of the password a PATCH
// sets (Engine.Sets), for Okta's no-path value of it.
func BenchmarkSetsPassword(b *testing.B) {
	ops := mustOps(`[{"op":"replace","value":{"password":"t1tkq5Cx"}}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := userEng.Sets(ops, "password"); !ok {
			b.Fatal("no forecast")
		}
	}
}

// BenchmarkSetsWorkAddress: the same forecast, of none, for Entra's five
// sub-attribute operations on a work address (BenchmarkApplyWorkAddress),
// which a handler storing passwords asks of every PATCH.
func BenchmarkSetsWorkAddress(b *testing.B) {
	ops := mustOps(workAddressOps)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := userEng.Sets(ops, "password"); ok {
			b.Fatal("forecast")
		}
	}
}
