package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// keepOnReplace readies a PUT's extensions, next, against the stored
// ones, cur, for the extension attributes of rt a replacement must not
// lose or change (a host's: the core and enterprise schemas have none):
//
//   - returned "never": a client never sees the value (see hiddenAttrs),
//     so it cannot resend it; a PUT that leaves it out keeps it, as a PUT
//     without a password keeps the password. Otherwise every provider
//     that updates with GET then PUT would wipe it on each cycle.
//   - immutable: RFC 7643 §2.2, "The attribute SHALL NOT be updated";
//     RFC 7644 §3.5.1, "If one or more values are already set for the
//     attribute, the input value(s) MUST match, or HTTP status code 400
//     SHOULD be returned with a "scimType" error code of "mutability"".
//     A PUT that sends another value is that 400; one that leaves it out
//     keeps it (clearing it would let the next write set another).
//
// It returns next itself when it has nothing to do, which is always for
// a type without such attributes (no allocation), and otherwise a copy;
// next is never changed.
func keepOnReplace(rt *resources.ResourceType, cur, next map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	out := next
	for _, e := range rt.Extensions {
		urn := e.Schema.ID
		var curObj, nextObj map[string]any
		nextKey := ""
		for _, a := range e.Schema.Attributes {
			if a.Returned != resources.ReturnedNever && a.Mutability != resources.Immutable {
				continue
			}
			if curObj == nil {
				_, raw, ok := names.Key(cur, urn)
				if !ok || decodeObject(raw, &curObj) != nil || len(curObj) == 0 {
					break // nothing stored to keep
				}
				var nraw json.RawMessage
				nextKey, nraw, ok = names.Key(next, urn)
				if !ok {
					nextKey = urn
				}
				if ok && decodeObject(nraw, &nextObj) != nil {
					return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%q must be a JSON object", urn)
				}
				if nextObj == nil {
					nextObj = map[string]any{}
				}
			}
			ck, cv, had := names.Key(curObj, a.Name)
			if !had || cv == nil {
				continue
			}
			nk, nv, sent := names.Key(nextObj, a.Name)
			if sent && nv != nil {
				if a.Mutability == resources.Immutable && !reflect.DeepEqual(cv, nv) {
					return nil, errorf(http.StatusBadRequest, ScimTypeMutability, "%s:%s is immutable: it can be set when it has no value, not changed", urn, a.Name)
				}
				continue
			}
			if sent {
				delete(nextObj, nk)
			}
			nextObj[ck] = cv
			raw, err := json.Marshal(nextObj)
			if err != nil {
				return nil, err
			}
			if sameMap(out, next) {
				out = make(map[string]json.RawMessage, len(next)+1)
				for k, v := range next {
					out[k] = v
				}
			}
			out[nextKey] = raw
		}
	}
	return out, nil
}

// decodeObject decodes a stored extension object, numbers kept as
// json.Number as the handler's documents keep them.
func decodeObject(raw json.RawMessage, dst *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(dst)
}

// sameMap reports whether a and b are one map (not two equal ones).
func sameMap(a, b map[string]json.RawMessage) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
