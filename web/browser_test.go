package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	ts "github.com/rowhouse/rowhouse/internal/testserver"
)

// chromiumPath finds Debian's Chromium (or ROWHOUSE_TEST_CHROMIUM), or "".
func chromiumPath() string {
	if p := os.Getenv("ROWHOUSE_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium tab on the test server, recording
// console errors, exceptions and every URL the pages request.
type browser struct {
	t      *testing.T
	ctx    context.Context
	origin string
	shots  string

	mu       sync.Mutex
	problems []string
	requests []string
}

func newBrowser(t *testing.T, origin string) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("Chromium is not installed (apt-get install -y chromium, or set ROWHOUSE_TEST_CHROMIUM): skipping the browser tests")
	}
	// One folder, overwritten by each run (ROWHOUSE_SCREENSHOTS chooses it).
	shots := os.Getenv("ROWHOUSE_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "rowhouse-screenshots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", shots)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, origin: origin, shots: shots}
	if err := b.listen(); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return b
}

// another opens a tab in a new browser context of the same Chromium:
// cookies of its own, as a second person's browser.
func (b *browser) another(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	o := &browser{t: t, ctx: ctx, origin: b.origin, shots: b.shots}
	if err := o.listen(); err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	return o
}

// listen records the tab's console errors, exceptions and requests.
func (b *browser) listen() error {
	err := chromedp.Listen(b.ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, strings.TrimSpace(string(a.Value)+" "+a.Description))
				}
				b.problems = append(b.problems, "console error: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.problems = append(b.problems, fmt.Sprintf("exception: %s at %s:%d", text, d.URL, d.LineNumber))
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				b.problems = append(b.problems, "log error: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, ev.Request.URL)
		case *cdppage.EventJavascriptDialogOpening:
			// A confirmation the page asks for: the person says OK.
			go func() {
				_ = chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
					return err
				}))
			}()
		}
	})
	if err != nil {
		return err
	}
	return chromedp.Do(b.ctx)
}

// stepTimeout bounds each step, so that a missing element fails the step
// rather than the whole test's deadline.
const stepTimeout = 30 * time.Second

// do runs actions, failing the test with the step that failed (and a
// screenshot of the page at that moment).
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
}

// run runs one action that returns a value.
func run[T any](b *browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// shot saves a full-page screenshot as <name>.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.save(name, chromedp.FullScreenshot(100))
}

// view saves a screenshot of the viewport (for pages too long to show
// whole).
func (b *browser) view(name string) {
	b.t.Helper()
	b.save(name, chromedp.CaptureScreenshot())
}

// element saves a screenshot of the first element matching a selector.
func (b *browser) element(name, sel string) {
	b.t.Helper()
	b.save(name, chromedp.Screenshot(chromedp.CSS(sel)))
}

func (b *browser) save(name string, a chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// check fails the test for console errors and for requests that left the
// server's origin, then forgets them.
func (b *browser) check(page string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("%s: %s", page, p)
	}
	for _, u := range b.requests {
		if !strings.HasPrefix(u, b.origin+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			b.t.Errorf("%s: request left the server: %s", page, u)
		}
	}
	b.problems, b.requests = nil, nil
}

// forget drops the problems recorded so far (an expected error answer is
// logged by the browser as a failed load).
func (b *browser) forget() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = nil
}

// TestBrowser drives headless Chromium through what a new user does: sign
// in, create an API key and use it, browse records, try the REST console
// and GraphiQL, and create a webhook.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if chromiumPath() == "" {
		t.Skip("Chromium is not installed (apt-get install -y chromium, or set ROWHOUSE_TEST_CHROMIUM): skipping the browser tests")
	}
	w := newWorld(t)
	// The browser keeps cookies by the wall clock: move the server's clock
	// to now so that session cookies are not born expired.
	w.s.Clock.Advance(time.Since(w.s.Clock.Now()))
	srv := httptest.NewServer(w.s.Handler)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL)

	// Some data to look at.
	base := "/api/docs/" + w.docID
	ts.Scenario{Method: "POST", URL: base + "/tables", Key: w.annKey, Status: 200, Body: map[string]any{"tables": []any{
		map[string]any{"id": "People", "columns": []any{map[string]any{"id": "name"}, map[string]any{"id": "age", "fields": map[string]any{"type": "Int"}}}},
	}}}.Test(t, w.s)
	ts.Scenario{Method: "POST", URL: base + "/tables/People/records", Key: w.annKey, Status: 200, Body: map[string]any{"records": []any{
		map[string]any{"fields": map[string]any{"name": "Ada", "age": 36}},
		map[string]any{"fields": map[string]any{"name": "Grace", "age": 85}},
	}}}.Test(t, w.s)

	// Sign in: / sends a signed-out user to the sign-in page.
	b.do("open home signed out", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	if url := run(b, "location", chromedp.Location()); !strings.HasPrefix(url, srv.URL+"/login") {
		t.Errorf("signed out, / went to %s", url)
	}
	b.shot("01-login")
	b.check("login")
	b.do("wrong password",
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "ann@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "not-my-password"),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.error`)))
	if msg := run(b, "read error", chromedp.Text(chromedp.CSS(`.msg.error`))); msg != "Incorrect email or password." {
		t.Errorf("wrong password: message %q", msg)
	}
	b.shot("02-login-failed")
	b.forget() // the browser logs the 401 answer as a failed load: expected here
	b.check("login failed")
	b.do("sign in",
		chromedp.SetValue(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[text()="Your documents"]`)))
	b.shot("03-home")
	b.check("home")

	// Create an API key on the account page and use it.
	b.do("create key",
		chromedp.Navigate(srv.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`#create-key input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`#create-key input[name=name]`), "from the browser"),
		chromedp.Submit(chromedp.CSS(`#create-key input[name=name]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key-secret`)))
	secret := run(b, "read key", chromedp.Value(chromedp.CSS(`#new-key-secret`)))
	curl := run(b, "read command", chromedp.Value(chromedp.CSS(`#new-key-curl`)))
	b.shot("04-account-new-key")
	b.check("account")
	if !secretRE.MatchString(secret) || !strings.Contains(curl, "Bearer "+secret+"' "+srv.URL+"/api/orgs") {
		t.Fatalf("key %q, command %q", secret, curl)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/orgs", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := srv.Client().Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the key from the page does not work: %v %v", res, err)
	}
	res.Body.Close()
	if sh, err := exec.LookPath("sh"); err == nil {
		if _, err := exec.LookPath("curl"); err == nil { // the command as shown, pasted into a shell
			out, err := exec.Command(sh, "-c", curl+" --silent --fail").CombinedOutput()
			if err != nil || !strings.Contains(string(out), `"domain"`) {
				t.Errorf("the command from the page failed: %v: %s", err, out)
			}
		}
	}

	// The grid (TestBrowserGrid works it through).
	b.do("doc page", chromedp.Navigate(srv.URL+"/doc/"+w.docID), chromedp.WaitVisible(chromedp.CSS(`#grid[data-state=ready] .slick-row`)))
	b.waitIdle("grid")
	if table := run(b, "read records", chromedp.Evaluate[string](`[...document.querySelectorAll("#grid .grid-canvas")].map(c => c.textContent).join(" ")`)); !strings.Contains(table, "Ada") || !strings.Contains(table, "85") {
		t.Errorf("grid: %q", table)
	}
	b.shot("05-doc")
	b.check("doc")

	b.do("api page", chromedp.Navigate(srv.URL+"/doc/"+w.docID+"/api"), chromedp.WaitVisible(chromedp.CSS(`#webhooks`)))
	b.shot("06-doc-api")
	b.check("doc api")

	t.Run("REST console", func(t *testing.T) { browserREST(t, b, w, srv) })
	t.Run("GraphiQL", func(t *testing.T) { browserGraphiQL(t, b, w, srv) })
	t.Run("webhook", func(t *testing.T) { browserWebhook(t, b, w, srv) })
	b.t = t

	b.do("sign out", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`button.link`)),
		chromedp.Click(chromedp.CSS(`button.link`)), chromedp.WaitVisible(chromedp.CSS(`.msg.notice`)))
	b.shot("12-signed-out")
	b.check("signed out")
}

// waitIdle waits until the grid page has no request in flight and no
// timer set (window.rowhouseGrid.idle).
func (b *browser) waitIdle(step string) {
	b.t.Helper()
	b.do(step+": wait until idle", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](`window.rowhouseGrid && window.rowhouseGrid.idle()`, chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
		return chromedp.Void{}, err
	}))
}

// poll waits until a JavaScript expression is true.
func (b *browser) poll(step, expr string, timeout time.Duration) {
	b.t.Helper()
	b.do(step, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(20*time.Millisecond))(ctx, tg)
		return chromedp.Void{}, err
	}))
}

// exists reports whether the server answers a request with 200 (for the
// surfaces built by other issues).
func exists(t *testing.T, srv *httptest.Server, method, path, key, body string) bool {
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode == 200
}

func browserREST(t *testing.T, b *browser, w *world, srv *httptest.Server) {
	b.t = t
	if !exists(t, srv, "GET", "/api/docs/"+w.docID+"/openapi.json", w.annKey, "") {
		t.Skip("GET /api/docs/{doc}/openapi.json does not answer 200 yet: skipping the REST console")
	}
	op := chromedp.CSS(`.opblock-get .opblock-summary-path[data-path$="/tables/People/records"]`)
	b.do("open REST console", chromedp.Navigate(srv.URL+"/doc/"+w.docID+"/api/rest"), chromedp.WaitVisible(op))
	b.view("07-rest-console")
	b.do("try GET records",
		chromedp.Click(op),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-get.is-open .execute`)),
		chromedp.Click(chromedp.CSS(`.opblock-get.is-open .execute`)),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-get.is-open .live-responses-table .response-col_status`)))
	status := run(b, "read status", chromedp.Text(chromedp.CSS(`.opblock-get.is-open .live-responses-table tbody .response-col_status`)))
	body := run(b, "read body", chromedp.Text(chromedp.CSS(`.opblock-get.is-open .live-responses-table tbody .response-col_description`)))
	b.element("08-rest-console-response", `.opblock-get.is-open .live-responses-table`)
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, "Grace") {
		t.Errorf("REST console: status %q, body %.300q", status, body)
	}
	b.check("REST console")

	// The Twenty REST core is in the same console.
	twenty := chromedp.CSS(`.opblock-get .opblock-summary-path[data-path$="/rest/people"]`)
	b.do("open a Twenty operation", chromedp.Navigate(srv.URL+"/doc/"+w.docID+"/api/rest"), chromedp.WaitVisible(twenty))
	b.do("try GET /rest/people",
		chromedp.Click(twenty),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-get.is-open .execute`)),
		chromedp.Click(chromedp.CSS(`.opblock-get.is-open .execute`)),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-get.is-open .live-responses-table .response-col_status`)))
	status = run(b, "read Twenty status", chromedp.Text(chromedp.CSS(`.opblock-get.is-open .live-responses-table tbody .response-col_status`)))
	body = run(b, "read Twenty body", chromedp.Text(chromedp.CSS(`.opblock-get.is-open .live-responses-table tbody .response-col_description`)))
	b.element("08b-rest-console-twenty", `.opblock-get.is-open .live-responses-table`)
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"people"`) || !strings.Contains(body, "Grace") || !strings.Contains(body, "00000000-0000-4000-8000-") {
		t.Errorf("REST console, Twenty: status %q, body %.300q", status, body)
	}
	b.check("REST console, Twenty")
}

func browserGraphiQL(t *testing.T, b *browser, w *world, srv *httptest.Server) {
	b.t = t
	if !exists(t, srv, "POST", "/api/docs/"+w.docID+"/graphql", w.annKey, `{"query":"{__typename}"}`) {
		t.Skip("POST /api/docs/{doc}/graphql does not answer 200 yet: skipping GraphiQL")
	}
	const cm = `document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror`
	b.do("open GraphiQL", chromedp.Navigate(srv.URL+"/doc/"+w.docID+"/api/graphql"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-query-editor .CodeMirror`)))
	// Autocompletion: type the start of a field, as a person would.
	b.do("autocomplete",
		chromedp.Evaluate[chromedp.Void](`(function(){var cm=`+cm+`; cm.setValue("{\n  \n}"); cm.focus(); cm.setCursor({line:1, ch:2});})()`),
		chromedp.KeyEvent("peo"),
		chromedp.WaitVisible(chromedp.CSS(`.CodeMirror-hints`)))
	hints := run(b, "read hints", chromedp.Text(chromedp.CSS(`.CodeMirror-hints`)))
	b.shot("09-graphiql-autocomplete")
	if !strings.Contains(hints, "people") {
		t.Errorf("autocompletion offers %q, want people", hints)
	}
	const resp = `document.querySelector(".graphiql-response .CodeMirror")`
	b.do("run query",
		chromedp.KeyEvent(kb.Escape),
		chromedp.Evaluate[chromedp.Void](cm+`.setValue("{\n  people(orderBy: [{age: DescNullsLast}]) {\n    totalCount\n    edges { node { name age } }\n  }\n}\n")`),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](resp+` && `+resp+`.CodeMirror.getValue().includes("Grace")`, chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
			return chromedp.Void{}, err
		}))
	out := run(b, "read result", chromedp.Evaluate[string](resp+`.CodeMirror.getValue()`))
	b.shot("10-graphiql-result")
	if !strings.Contains(out, `"totalCount": 2`) || strings.Index(out, "Grace") > strings.Index(out, "Ada") {
		t.Errorf("GraphiQL result: %s", out)
	}
	b.check("GraphiQL")
}

func browserWebhook(t *testing.T, b *browser, w *world, srv *httptest.Server) {
	b.t = t
	if !exists(t, srv, "GET", "/api/docs/"+w.docID+"/webhooks", w.annKey, "") {
		t.Skip("GET /api/docs/{doc}/webhooks does not answer 200 yet: skipping the webhook form")
	}
	b.do("open API page", chromedp.Navigate(srv.URL+"/doc/"+w.docID+"/api"), chromedp.WaitVisible(chromedp.CSS(`#create-webhook`)))
	b.do("create webhook",
		chromedp.SendKeys(chromedp.CSS(`#create-webhook input[name=url]`), "https://hooks.example.com/rowhouse"),
		chromedp.SendKeys(chromedp.CSS(`#create-webhook input[name=name]`), "to the CRM"),
		chromedp.Submit(chromedp.CSS(`#create-webhook input[name=url]`)),
		chromedp.WaitVisible(chromedp.CSS(`#webhook-list`)))
	list := run(b, "read webhooks", chromedp.Text(chromedp.CSS(`#webhook-list`)))
	b.shot("11-webhook-created")
	if !strings.Contains(list, "https://hooks.example.com/rowhouse") || !strings.Contains(list, "to the CRM") {
		t.Errorf("webhook list: %q", list)
	}
	b.check("webhook")
}
