package patch

import "testing"

// BenchmarkPlanGroupAddOne: PlanGroup of Entra's one-member add, the
// member walk (targetsMembers) and the plan a group PATCH takes.
func BenchmarkPlanGroupAddOne(b *testing.B) {
	benchPlanGroup(b, `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"5d48a0a8"}]}]`)
}

// BenchmarkPlanGroupNoPathMembers: PlanGroup of a no-path add of one
// member beside the group's id, as Okta resends it (membersKey).
func BenchmarkPlanGroupNoPathMembers(b *testing.B) {
	benchPlanGroup(b, `[{"op":"add","value":{"id":"e9e30dba","members":[{"value":"5d48a0a8"}]}}]`)
}

// BenchmarkApplyNoPathEntra: Entra's aadOptscim062020 no-path replace,
// whose keys are dotted and URN paths (keyOnce for each).
func BenchmarkApplyNoPathEntra(b *testing.B) {
	doc := mustDoc(userJSON)
	ops := mustOps(`[{"op":"replace","value":{"name.givenName":"A","name.familyName":"B","displayName":"A B","$ENT:employeeNumber":"7","$ENT:department":"D"}}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := userEng.Apply(doc, ops, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPlanGroup(b *testing.B, req string) {
	ops := mustOps(req)
	b.ReportAllocs()
	for b.Loop() {
		if p, err := groupEng.PlanGroup(ops, nil); err != nil || p.Kind != MembersOnly {
			b.Fatal(p.Kind, err)
		}
	}
}
