package main

// TestREADME runs the shell commands of README.md against the real binary
// and compares what they print with the outputs the README shows, so that
// every example runs as written. The convention, which README
// "Development" repeats for contributors:
//
//   - Run blocks. Every fenced block whose info string is exactly "sh" is
//     run, in README order, in one bash shell (set -euo pipefail), so that
//     variables carry from one block to the next. Each must exit 0 (curl
//     does on an HTTP error: its output shows the error). A block marked
//     "sh no-run" is only shown: it needs what a test cannot give (sudo,
//     a PostgreSQL server, the network, the whole test suite, a server in
//     the foreground).
//   - Where. The shell's folder is a fresh temporary one; ./rowhouse-data
//     there is the data folder of a server the test started, as
//     `rowhouse serve` would, with ROWHOUSE_OWNER_API_KEY set to the key of
//     the README's first KEY= line; `rowhouse` on PATH is the binary under
//     test; stdin is empty.
//   - Substitutions. Before a block runs, http://127.0.0.1:8484 becomes the
//     test server's address, and each string an earlier shown output held
//     (a document id, a key) becomes the string the command really printed
//     in its place.
//   - Outputs. A block right after a run block (blank lines between are
//     allowed) is that command's standard output when its info string is
//     "json" or "text". JSON is compared by shape: the same types, objects
//     with the same keys, arrays of the same length compared item by item;
//     values may differ (ids, times). Text is compared line by line,
//     exactly, once shown strings are substituted.
//
// go test ./cmd/rowhouse -run TestREADME -update rewrites the shown
// outputs with what the commands print now.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

var updateREADME = flag.Bool("update", false, "TestREADME: rewrite README.md's shown outputs with the real ones")

// readmeAddr is the address the README's commands use.
const readmeAddr = "http://127.0.0.1:8484"

// mdBlock is a fenced block of the README.
type mdBlock struct {
	info       string
	body       string
	start, end int // line numbers of the opening and closing fences (0-based)
}

// readmeBlocks reads the fenced blocks of a Markdown file.
func readmeBlocks(text string) ([]mdBlock, error) {
	lines := strings.Split(text, "\n")
	var out []mdBlock
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "```") {
			continue
		}
		b := mdBlock{info: strings.TrimSpace(strings.TrimPrefix(l, "```")), start: i}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: a fenced block is not closed", b.start+1)
		}
		b.end, b.body = i, strings.Join(body, "\n")
		out = append(out, b)
	}
	return out, nil
}

// readmeStep is a run block and the output shown after it, if any.
type readmeStep struct {
	run    mdBlock
	output *mdBlock
}

func readmeSteps(text string, blocks []mdBlock) []readmeStep {
	lines := strings.Split(text, "\n")
	var steps []readmeStep
	for i, b := range blocks {
		if b.info != "sh" {
			continue
		}
		st := readmeStep{run: b}
		if i+1 < len(blocks) {
			next := blocks[i+1]
			between := lines[b.end+1 : next.start]
			if (next.info == "json" || next.info == "text") && strings.TrimSpace(strings.Join(between, "")) == "" {
				st.output = &blocks[i+1]
			}
		}
		steps = append(steps, st)
	}
	return steps
}

func TestREADME(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is not installed: .ci/run installs it for the README's commands")
		}
		t.Skip("curl is not installed: the README's commands need it (apt-get install curl)")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: the README's commands need it")
	}
	readmePath := filepath.Join("..", "..", "README.md")
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	blocks, err := readmeBlocks(text)
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(text, blocks)
	if len(steps) < 10 {
		t.Fatalf("only %d run blocks in README.md: has the convention changed?", len(steps))
	}
	key := regexp.MustCompile(`(?m)^KEY=(rh_\S+)`).FindStringSubmatch(steps[0].run.body)
	if key == nil {
		t.Fatalf("the README's first run block does not set KEY=rh_...: %q", steps[0].run.body)
	}

	work := t.TempDir()
	p := startServer(t, filepath.Join(work, "rowhouse-data"), "ROWHOUSE_OWNER_API_KEY="+key[1])
	sh := newReadmeShell(t, bash, work)
	subst := map[string]string{readmeAddr: p.URL}
	replace := func(s string) string {
		// Longest first, so that a value containing another is replaced whole.
		olds := make([]string, 0, len(subst))
		for k := range subst {
			olds = append(olds, k)
		}
		sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
		pairs := make([]string, 0, 2*len(olds))
		for _, o := range olds {
			pairs = append(pairs, o, subst[o])
		}
		return strings.NewReplacer(pairs...).Replace(s)
	}
	updates := map[int]string{} // output block start line -> its new body
	for _, st := range steps {
		where := fmt.Sprintf("README.md:%d", st.run.start+1)
		stdout, stderr, err := sh.run(replace(st.run.body))
		if err != nil {
			t.Fatalf("%s: %v\ncommand:\n%s\nstdout:\n%s\nstderr:\n%s", where, err, st.run.body, stdout, stderr)
		}
		if st.output == nil {
			continue
		}
		if *updateREADME {
			// Learn what the shown values stand for (where the shapes agree),
			// and write the real output back in the README's own terms: its
			// address, and the shown strings that later commands name.
			if st.output.info == "json" {
				got, gerr := decodeJSONValue(stdout)
				want, werr := decodeJSONValue(st.output.body)
				if gerr == nil && werr == nil {
					_ = sameShape("$", want, got, subst)
				}
			}
			back := []string{p.URL, readmeAddr}
			for shown, real := range subst {
				if shown != readmeAddr {
					back = append(back, real, shown)
				}
			}
			updates[st.output.start] = strings.NewReplacer(back...).Replace(strings.TrimRight(stdout, "\n"))
			continue
		}
		switch st.output.info {
		case "json":
			got, gerr := decodeJSONValue(stdout)
			want, werr := decodeJSONValue(st.output.body)
			if werr != nil {
				t.Fatalf("README.md:%d: the shown output is not JSON: %v", st.output.start+1, werr)
			}
			if gerr != nil {
				t.Fatalf("%s: the output is not JSON (%v):\n%s\nstderr:\n%s", where, gerr, stdout, stderr)
			}
			if err := sameShape("$", want, got, subst); err != nil {
				t.Errorf("%s: the output does not have the shape shown at README.md:%d: %v\ncommand:\n%s\n got: %s\nshown: %s",
					where, st.output.start+1, err, st.run.body, strings.TrimSpace(stdout), st.output.body)
			}
		case "text":
			want := strings.Split(replace(strings.TrimRight(st.output.body, "\n")), "\n")
			got := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
			if !slices.Equal(want, got) {
				t.Errorf("%s: the output differs from README.md:%d\ncommand:\n%s\n got:\n%s\nshown:\n%s",
					where, st.output.start+1, st.run.body, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	if *updateREADME {
		lines := strings.Split(text, "\n")
		var out []string
		for i := 0; i < len(lines); i++ {
			out = append(out, lines[i])
			if body, ok := updates[i]; ok {
				out = append(out, body)
				for i++; !strings.HasPrefix(lines[i], "```"); i++ {
				}
				out = append(out, lines[i])
			}
		}
		if err := os.WriteFile(readmePath, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func decodeJSONValue(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// sameShape compares a shown JSON value with the real one by shape, and
// records in subst each shown string (8 characters or more, so not a
// word) whose real value differs, for the commands that follow.
func sameShape(path string, want, got any, subst map[string]string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: an object is shown, got %s", path, jsonKindOf(got))
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				return fmt.Errorf("%s: the member %q shown is missing", path, k)
			}
		}
		keys := make([]string, 0, len(g))
		for k := range g {
			if _, ok := w[k]; !ok {
				return fmt.Errorf("%s: the member %q is not shown", path, k)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := sameShape(path+"."+k, w[k], g[k], subst); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: an array is shown, got %s", path, jsonKindOf(got))
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: %d items shown, got %d", path, len(w), len(g))
		}
		for i := range w {
			if err := sameShape(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], subst); err != nil {
				return err
			}
		}
	default:
		if jsonKindOf(want) != jsonKindOf(got) {
			return fmt.Errorf("%s: %s shown (%v), got %s (%v)", path, jsonKindOf(want), want, jsonKindOf(got), got)
		}
		if ws, ok := want.(string); ok && len(ws) >= 8 && ws != got.(string) {
			subst[ws] = got.(string)
		}
	}
	return nil
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// readmeShell is one bash process that runs blocks one after another,
// keeping its variables.
type readmeShell struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	dir   string // where each block's outputs and status are written
	n     int
	exit  chan error
}

func newReadmeShell(t *testing.T, bash, work string) *readmeShell {
	t.Helper()
	s := &readmeShell{t: t, dir: t.TempDir(), exit: make(chan error, 1)}
	s.cmd = exec.Command(bash, "--noprofile", "--norc", "-s")
	s.cmd.Dir = work
	s.cmd.Env = append(baseEnv(), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"), "LC_ALL=C.UTF-8")
	var err error
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	var shellErr bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, &shellErr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exit <- s.cmd.Wait() }()
	if _, err := io.WriteString(s.stdin, "set -euo pipefail\n"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stdin.Close()
		select {
		case <-s.exit:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exit
		}
	})
	return s
}

// run runs one block and returns what it printed; an error if it failed
// (the shell then exits: the test cannot go on) or took too long.
func (s *readmeShell) run(block string) (stdout, stderr string, err error) {
	s.n++
	out := filepath.Join(s.dir, fmt.Sprintf("%d.out", s.n))
	errf := filepath.Join(s.dir, fmt.Sprintf("%d.err", s.n))
	done := filepath.Join(s.dir, fmt.Sprintf("%d.done", s.n))
	script := fmt.Sprintf("{\n%s\n} </dev/null >%q 2>%q\n: >%q\n", block, out, errf, done)
	if _, err := io.WriteString(s.stdin, script); err != nil {
		return "", "", fmt.Errorf("the shell has stopped: %w", err)
	}
	read := func() (string, string) {
		o, _ := os.ReadFile(out)
		e, _ := os.ReadFile(errf)
		return string(o), string(e)
	}
	deadline := time.After(2 * time.Minute)
	for {
		if _, err := os.Stat(done); err == nil {
			o, e := read()
			return o, e, nil
		}
		select {
		case werr := <-s.exit:
			o, e := read()
			return o, e, fmt.Errorf("the block failed (%v)", werr)
		case <-deadline:
			o, e := read()
			return o, e, errors.New("the block did not finish within 2 minutes")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestREADMEConvention checks the parser on a README of its own.
func TestREADMEConvention(t *testing.T) {
	md := "# T\n\n```sh\nKEY=rh_x\n```\n\n```sh no-run\nsudo x\n```\n```sh\ncurl a\n```\n\n```json\n{\"a\":1}\n```\nprose\n```sh\ncurl b\n```\nprose\n```json\n[]\n```\n```text\nnot an output\n```\n"
	blocks, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(md, blocks)
	var got []string
	for _, s := range steps {
		o := "-"
		if s.output != nil {
			o = s.output.info + ":" + s.output.body
		}
		got = append(got, s.run.body+" => "+o)
	}
	want := []string{"KEY=rh_x => -", `curl a => json:{"a":1}`, "curl b => -"}
	if !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	subst := map[string]string{}
	w, _ := decodeJSONValue(`{"id":"iT97GKho4YrvCTqPaNrU9c","n":2,"l":["a"],"x":null}`)
	g, _ := decodeJSONValue(`{"id":"BxSTybNCXvkA8fnq3yyAYk","n":7,"l":["b"],"x":null}`)
	if err := sameShape("$", w, g, subst); err != nil || subst["iT97GKho4YrvCTqPaNrU9c"] != "BxSTybNCXvkA8fnq3yyAYk" || len(subst) != 1 {
		t.Fatalf("same shape: %v, subst %v", err, subst)
	}
	for _, other := range []string{`{"id":"x","n":2,"l":["a"]}`, `{"id":"x","n":"2","l":["a"],"x":null}`, `{"id":"x","n":2,"l":[],"x":null}`, `{"id":"x","n":2,"l":["a"],"x":null,"y":1}`} {
		g, _ := decodeJSONValue(other)
		if err := sameShape("$", w, g, map[string]string{}); err == nil {
			t.Errorf("%s has the shape of %s", other, `{"id":...,"n":2,"l":["a"],"x":null}`)
		}
	}
}
