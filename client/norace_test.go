//go:build !race

package client_test

// raceEnabled makes TestMain build the server binary with -race too.
const raceEnabled = false
