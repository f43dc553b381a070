package client_test

import (
	"testing"

	"github.com/rowhouse/rowhouse/internal/procserver"
)

// binary is the rowhouse server built once by TestMain for these tests.
var binary string

// ownerKey is the owner's API key of every test server.
const ownerKey = procserver.OwnerKey

func TestMain(m *testing.M) { procserver.Main(m, &binary) }

// startServer starts the binary with extra environment entries; it stops
// when the test ends, showing its log if the test failed.
func startServer(t *testing.T, extraEnv ...string) *procserver.Server {
	t.Helper()
	return procserver.Start(t, binary, extraEnv...)
}
