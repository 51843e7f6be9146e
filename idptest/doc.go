// Package idptest replays identity providers' provisioning conversations
// against a SCIM endpoint and checks what each provider relies on.
//
// A conversation is a JSON file under conversations/ (embedded in the
// package, see Conversations): the requests one provider sends, in order,
// written from its public documentation and the behaviours collected in
// the project's IDP-QUIRKS notes, and for each request what the provider
// reads from the answer. Run replays a conversation through an HTTP client
// and reports every difference.
//
// # Running the replays from a host's tests
//
// A host that mounts scimkit's handler over its own store runs every
// conversation against it from its own go test:
//
//	func TestIdentityProviders(t *testing.T) {
//		h, err := scim.NewHandler(scim.Config{Users: db, Groups: db, InsecureNoAuth: true})
//		require.NoError(t, err)
//		idptest.Test(t, h, "")
//	}
//
// Test serves h on 127.0.0.1 and runs each conversation as a subtest
// named provider/conversation, so go test -run 'TestIdentityProviders/Okta'
// runs Okta's alone; each difference fails its subtest with the step, what
// the provider expected, and the request and response. Pass the token h
// accepts instead of "" to replay the authentication steps too, and
// provider or conversation names after it ("Okta", "Entra ID") to run only
// the providers the host supports. TestTarget does the same against a
// server the test started itself (the host's whole application, with the
// handler under /scim/v2), and Replay and Main against a running
// deployment, outside go test. Importing this package compiles none of
// scimkit's stores.
//
// # Conversation files
//
//	{
//	  "provider": "Okta",
//	  "name": "okta-push-groups",
//	  "title": "Push Groups: ...",
//	  "sources": ["https://developer.okta.com/docs/..."],
//	  "headers": {"User-Agent": "Okta SCIM Client 1.0.0"},
//	  "steps": [
//	    {"name": "create the group", "method": "POST", "path": "/Groups",
//	     "body": {"displayName": "Sales ${run}", "members": []},
//	     "expect": {"status": 201, "json": {"displayName": "Sales ${run}"},
//	                "capture": {"group": "id"}}}
//	  ],
//	  "cleanup": [{"name": "...", "method": "DELETE", "path": "/Users/${user}"}]
//	}
//
// Paths are relative to the SCIM base URL; their query is written
// unencoded (filter=userName eq "x") and encoded by the runner, which
// splits it at each "&" followed by a name and "=", so a value may hold
// "&" (filter=displayName eq "R&D"). ${name}
// is replaced in paths, headers and bodies by a value captured from an
// earlier response (expect.capture), or by one of:
//
//   - ${run}: a suffix unique to this run, so that a conversation can run
//     against a live, non-empty server without colliding with its data;
//   - ${uuid:label} and ${hex32:label}: a random UUID or 32 hex digits,
//     the same for the same label within one run;
//   - ${token}: the bearer token (printed as <token> in reports).
//
// Substitution works inside out, so ${u${i}} names the variable u7 when i
// is 7. A step with "repeat": {"var": "i", "from": 1, "to": 100} is sent
// once per value of i. In a body, the object {"$range": {"var": "i",
// "from": 1, "to": 100}, "$item": <template>} becomes a list of the
// template for each value.
//
// A step with "page": {"count": 2} pages through a list: it sends the
// request with startIndex=1, 1+count, ... until totalResults is reached,
// checks every page, and evaluates "json" against the union
// {"totalResults": n, "Resources": [every page's resources]}.
//
// # What is checked
//
// "expect" holds the step's own assertions: status (a number or a list of
// accepted numbers), json (path to expected value; see Match for paths and
// matchers) and capture (variable to path, or "header:Name"). These are
// checked on every response, because every provider relies on them:
//
//   - a response with a body has Content-Type application/scim+json;
//   - a 201 carries an absolute Location equal to meta.location, which
//     ends with the new id;
//   - a resource read or written by id echoes that id, and its meta says
//     which resourceType it is;
//   - a ListResponse has integer totalResults, startIndex and
//     itemsPerPage, and itemsPerPage counts its Resources;
//   - an error has the RFC 7644 §3.12 shape: schemas [Error] and status as
//     a string equal to the HTTP status;
//   - a 204 has no body.
//
// An endpoint that supports only part of RFC 7643's attributes (a host
// that declares an attribute subset, resources.ModelConfig.UserAttributes)
// lists only those in GET /Schemas, and identity providers map only
// those. Test, TestTarget, Replay and Main read /Schemas once per run
// (ReadAdvertised) and leave out the expectations on a User, Group or
// enterprise attribute it does not list (title, phoneNumbers, the
// enterprise manager), and, of an attribute it lists with some of its
// sub-attributes only (name with givenName), the others (name.middleName,
// an email's primary, also inside an expected element); the run names them (Result.NotChecked, a log line
// in Test, a NOTE in the report). That such an attribute is absent
// ({"$absent": true}, as for password) is still checked.
//
// Resources a conversation creates (every 201) must be deleted by the
// conversation itself; whatever is left is reported and deleted, so that a
// run leaves a server as it found it.
package idptest
