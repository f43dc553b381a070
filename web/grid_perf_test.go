package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rowhouse/rowhouse/auth"
	ts "github.com/rowhouse/rowhouse/internal/testserver"
)

// TestGridPerformance measures the grid page in headless Chromium: the
// time to first paint of a table's rows (the page's performance mark
// "rowhouse-grid-rows", taken in the frame after the first rows are drawn,
// from navigation start), and scrolling (frames counted with
// requestAnimationFrame while a script scrolls the grid's viewport every
// frame), then the time a jump into the middle of the table takes to show
// its rows (the offset read). It is a measurement, never a pass/fail
// test: it runs only with ROWHOUSE_GRID_PERF=1 and prints its figures.
//
//	ROWHOUSE_GRID_PERF=1 go test ./web -run TestGridPerformance -v -timeout 30m
//
// ROWHOUSE_GRID_PERF_ROWS sets the table's size (100000 by default; the
// issue asks for 100k for first paint and 1M for scrolling).
func TestGridPerformance(t *testing.T) {
	if os.Getenv("ROWHOUSE_GRID_PERF") != "1" {
		t.Skip("a measurement: set ROWHOUSE_GRID_PERF=1 to run it")
	}
	if chromiumPath() == "" {
		t.Skip("Chromium is not installed")
	}
	rows := 100000
	if v := os.Getenv("ROWHOUSE_GRID_PERF_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("ROWHOUSE_GRID_PERF_ROWS=%q", v)
		}
		rows = n
	}
	s := ts.New(t)
	s.Clock.Advance(time.Since(s.Clock.Now()))
	srv := httptest.NewServer(s.Handler)
	t.Cleanup(srv.Close)
	owner, key := s.UserWithKey("owner@example.com")
	doc := s.Do(t, "POST", "/api/orgs/current/workspaces", key, map[string]string{"name": "W"})
	ws := string(doc.Body[:len(doc.Body)-1])
	docID := s.Do(t, "POST", "/api/workspaces/"+ws+"/docs", key, map[string]string{"name": "Perf"}).JSON.(string)
	ts.Scenario{Method: "POST", URL: "/api/docs/" + docID + "/tables", Key: key, Status: 200, Body: map[string]any{"tables": []any{
		map[string]any{"id": "T", "columns": []any{
			map[string]any{"id": "name"}, map[string]any{"id": "n", "fields": map[string]any{"type": "Int"}},
			map[string]any{"id": "x", "fields": map[string]any{"type": "Numeric"}}, map[string]any{"id": "d", "fields": map[string]any{"type": "Date"}},
			map[string]any{"id": "ok", "fields": map[string]any{"type": "Bool"}}, map[string]any{"id": "note"},
		}}}}}.Test(t, s)
	loadStart := time.Now()
	for start := 0; start < rows; start += 10000 {
		recs := make([]any, 0, 10000)
		for i := start; i < min(start+10000, rows); i++ {
			recs = append(recs, map[string]any{"fields": map[string]any{"name": fmt.Sprintf("row %07d", i), "n": i, "x": float64(i) / 7,
				"d": 86400 * (i % 20000), "ok": i%3 == 0, "note": "some longer text in the last column of row " + strconv.Itoa(i)}})
		}
		if res := s.Do(t, "POST", "/api/docs/"+docID+"/tables/T/records", key, map[string]any{"records": recs}); res.Status != 200 {
			t.Fatalf("load: %d %s", res.Status, res.Body)
		}
	}
	t.Logf("loaded %d rows in %v", rows, time.Since(loadStart).Round(time.Millisecond))

	b := newBrowser(t, srv.URL)
	token, _, err := s.Sessions.CreateSignInLink(context.Background(), owner.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b.do("sign in", chromedp.Navigate(auth.SignInURL(srv.URL, token)), chromedp.WaitVisible(chromedp.CSS(`#welcome`)))
	page := srv.URL + "/doc/" + docID + "?table=T"

	// First paint: a cold load (no cached assets), then warm reloads.
	var firstRows, fcp []float64
	for i := range 7 {
		b.do("open grid", chromedp.Navigate(page))
		b.poll("rows painted", `performance.getEntriesByName("rowhouse-grid-rows").length > 0`, 30*time.Second)
		m := run(b, "marks", chromedp.Evaluate[[]float64](`[performance.getEntriesByName("rowhouse-grid-rows")[0].startTime,
			(performance.getEntriesByName("first-contentful-paint")[0] || {startTime: -1}).startTime]`))
		if i == 0 {
			t.Logf("first paint, cold: rows at %.0f ms, first contentful paint %.0f ms", m[0], m[1])
			continue
		}
		firstRows, fcp = append(firstRows, m[0]), append(fcp, m[1])
	}
	t.Logf("first paint of a %d-row table, warm (%d loads): rows at median %.0f ms (min %.0f, max %.0f); first contentful paint median %.0f ms",
		rows, len(firstRows), median(firstRows), slices.Min(firstRows), slices.Max(firstRows), median(fcp))
	b.waitIdle("grid")
	b.check("perf page")

	// Scrolling: the viewport moves every frame for 3 s, at a reading
	// pace (a row a frame) and at a fling (40 rows a frame); frames and
	// their intervals are counted with requestAnimationFrame, and the main
	// thread's long tasks (over 50 ms) with a PerformanceObserver. The
	// same scroll of a plain tall element (no grid, no data) in the same
	// page is the baseline: what this machine manages at that moment.
	scroll := func(sel string, from, speed int) []float64 {
		return run(b, "scroll", chromedp.Evaluate[[]float64](fmt.Sprintf(`new Promise((resolve) => {
			const vp = document.querySelector(%q);
			vp.scrollTop = %d;
			let long = 0, longMS = 0;
			const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) { long++; longMS += e.duration; } });
			obs.observe({entryTypes: ["longtask"]});
			const gaps = []; let last = 0; const t0 = performance.now();
			function frame(now) {
				if (last) gaps.push(now - last);
				last = now;
				vp.scrollTop += %d;
				if (now - t0 < 3000) requestAnimationFrame(frame);
				else {
					obs.disconnect();
					gaps.sort((a, b) => a - b);
					const total = gaps.reduce((a, b) => a + b, 0);
					resolve([gaps.length / (total / 1000), gaps[Math.floor(gaps.length * 0.5)], gaps[Math.floor(gaps.length * 0.95)], gaps[gaps.length - 1], gaps.filter(g => g > 1000 / 50).length, long, longMS]);
				}
			}
			requestAnimationFrame(frame);
		})`, sel, from, speed), chromedp.EvalAwaitPromise))
	}
	run(b, "baseline element", chromedp.Evaluate[bool](`(function(){const d = document.createElement("div"); d.id = "baseline";
		d.style.cssText = "position:fixed;left:0;top:0;width:600px;height:500px;overflow:auto;background:#fff;z-index:-1";
		const inner = document.createElement("div"); inner.style.height = "3000000px";
		inner.style.background = "repeating-linear-gradient(#fff 0 29px, #ccc 29px 30px)"; d.append(inner); document.body.append(d); return true;})()`))
	const gridVP = "#grid .slick-viewport-top.slick-viewport-right"
	// Pass 1 reads every block it meets; pass 2 scrolls the same rows
	// (read already); pass 3 rows not read yet, further down.
	for pass, from := range []int{0, 0, rows / 2 * 30} {
		for _, speed := range []int{30, 1200} {
			g := scroll(gridVP, from, speed)
			b.waitIdle("after scrolling")
			base := scroll("#baseline", 0, speed)
			t.Logf("pass %d, scrolling %d px a frame: grid %.1f fps (frame median %.1f ms, p95 %.1f, max %.1f; %.0f frames over 20 ms; %.0f long tasks, %.0f ms); "+
				"plain element %.1f fps (p95 %.1f ms; %.0f frames over 20 ms)",
				pass+1, speed, g[0], g[1], g[2], g[3], g[4], g[5], g[6], base[0], base[2], base[4])
		}
	}
	run(b, "drop baseline", chromedp.Evaluate[bool](`(document.getElementById("baseline").remove(), true)`))

	// A jump to the middle: the time until the rows in view are read (by
	// offset) and drawn.
	for _, frac := range []float64{0.5, 0.9, 0.25} {
		ms := run(b, "jump", chromedp.Evaluate[float64](fmt.Sprintf(`new Promise((resolve) => {
			const vp = document.querySelector(%q);
			const G = window.rowhouseGrid.grid;
			const t0 = performance.now();
			vp.scrollTop = vp.scrollHeight * %f;
			let frames = 0;
			(function check() {
				frames++;
				const v = G.getViewport();
				let loading = false;
				for (let i = v.top; i < v.bottom; i++) if (G.getDataItem(i).__loading) loading = true;
				if (frames > 2 && !loading && v.top > 0) resolve(performance.now() - t0); else requestAnimationFrame(check);
			})();
		})`, gridVP, frac), chromedp.EvalAwaitPromise))
		top := run(b, "top row", chromedp.Evaluate[float64](`window.rowhouseGrid.grid.getViewport().top`))
		t.Logf("a jump to row %.0f of %d: rows shown after %.0f ms", top, rows, ms)
	}
	b.view("30-grid-perf-jump")
	b.check("perf scrolling")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
