//go:build !race

package main

// raceEnabled tells TestMain to build the binary under test with -race too.
const raceEnabled = false
