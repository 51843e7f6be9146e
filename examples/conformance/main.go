// Command conformance replays the provisioning conversations of Okta,
// Microsoft Entra ID, Google Workspace, OneLogin, JumpCloud, PingFederate,
// Microsoft's SCIM validator and membership PATCHes in chunks of 100 (as
// providers send them to AWS IAM Identity Center) against a running SCIM
// endpoint, and prints
// a per-provider pass/fail table with, for each failure, the request and
// the response. The exit code is 1 when a conversation fails.
//
//	go run ./examples/basic -addr 127.0.0.1:18181   # prints the base URL and a token
//	SCIM_TOKEN=scim_... go run ./examples/conformance -base http://127.0.0.1:18181/scim/v2
//
// Point it at your own deployment the same way, with a token generated for
// it. Every user and group it creates has a name unique to the run and is
// deleted before the run ends, so it can run against a server holding real
// data; -only okta,entra limits it to some providers and -list shows what
// it would send. A host's own tests run the same conversations against its
// handler with idptest.Test.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/scimkit/scim/idptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code := idptest.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
