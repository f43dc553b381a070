package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rowhouse/rowhouse"
	"github.com/rowhouse/rowhouse/api"
	"github.com/rowhouse/rowhouse/auth"
	"github.com/rowhouse/rowhouse/home"
)

// ---- sign-in and sign-out

type loginContent struct {
	Email string
	Next  string
	// Token is the sign-in form's CSRF token, also in the loginCookie.
	Token string
}

// loginCookie carries the sign-in form's CSRF token (double-submit: there
// is no session yet to tie it to). Another site can neither read it nor
// send it with a cross-site POST (SameSite), so it cannot sign a browser in
// to the attacker's account.
const loginCookie = "rowhouse_login"

// loginToken returns the browser's sign-in token, making one (and its
// cookie) if it has none.
func (w *Web) loginToken(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	token := rowhouse.RandomBase58(32)
	http.SetCookie(rw, &http.Cookie{Name: loginCookie, Value: token, Path: "/login", MaxAge: 3600 * 12,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: w.Sessions.Secure(r)})
	return token
}

// checkLoginToken reports whether the form's token matches the cookie's.
func checkLoginToken(r *http.Request) bool {
	c, err := r.Cookie(loginCookie)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(auth.CSRFField))) == 1
}

func (w *Web) loginPage(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := auth.SessionFrom(r.Context()); ok { // already signed in
		http.Redirect(rw, r, safeNext(q.Get("next")), http.StatusSeeOther)
		return
	}
	p := page{Title: "Sign in", Narrow: true, Content: loginContent{Next: safeNext(q.Get("next")), Token: w.loginToken(rw, r)}}
	if q.Get("expired") != "" {
		p.Error = "Your session has ended. Please sign in again."
	}
	if q.Get("signedout") != "" {
		p.Notice = "You are signed out."
	}
	w.render(rw, r, http.StatusOK, "login", p)
}

// login checks the form and starts a session.
func (w *Web) login(rw http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	ok := checkLoginToken(r)
	c := loginContent{Email: email, Next: next, Token: w.loginToken(rw, r)}
	if !ok {
		w.render(rw, r, http.StatusForbidden, "login", page{Title: "Sign in", Narrow: true, Content: c,
			Error: "The sign-in form expired or did not come from this site. Please try again."})
		return
	}
	if email == "" || password == "" {
		w.render(rw, r, http.StatusBadRequest, "login", page{Title: "Sign in", Narrow: true, Error: "Enter your email and password.", Content: c})
		return
	}
	sess, token, err := w.Sessions.SignIn(r.Context(), email, password, w.Sessions.ClientAddr(r))
	if err != nil {
		status := api.Status(err)
		msg := rowhouse.ErrorMessage(err)
		if status >= 500 {
			w.Log.Error("sign in failed", "err", err)
			msg = "Something went wrong on the server. Please try again."
		}
		var e *rowhouse.Error
		if errors.As(err, &e) && e.Details["retryAfter"] != nil {
			rw.Header().Set("Retry-After", fmt.Sprint(e.Details["retryAfter"]))
		}
		w.render(rw, r, status, "login", page{Title: "Sign in", Narrow: true, Error: msg, Content: c})
		return
	}
	http.SetCookie(rw, w.Sessions.Cookie(r, token, sess.ExpiresAt))
	http.Redirect(rw, r, next, http.StatusSeeOther)
}

// logout ends the session. It needs the CSRF token, so that another site
// cannot sign the user out; without a session it only clears the cookie.
func (w *Web) logout(rw http.ResponseWriter, r *http.Request) {
	if s, ok := auth.SessionFrom(r.Context()); ok {
		if !s.CheckCSRF(r.PostFormValue(auth.CSRFField)) {
			w.render(rw, r, http.StatusForbidden, "error", page{Title: "Forbidden", Error: errCSRF, Narrow: true})
			return
		}
		if c, err := r.Cookie(auth.SessionCookie); err == nil {
			if err := w.Sessions.SignOut(r.Context(), c.Value); err != nil {
				w.fail(rw, r, err)
				return
			}
		}
	}
	http.SetCookie(rw, w.Sessions.Cookie(r, "", time.Time{}))
	http.Redirect(rw, r, "/login?signedout=1", http.StatusSeeOther)
}

// signInLink starts a session from a one-time sign-in link and opens the
// home page, which asks for a password. A link that does not work shows
// why, with a way to sign in otherwise. A session the browser already had
// ends first: the link decides who is signed in.
func (w *Web) signInLink(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Referrer-Policy", "no-referrer") // the token must not travel on
	sess, token, err := w.Sessions.SignInWithLink(r.Context(), r.PathValue("token"))
	if err != nil {
		status := api.Status(err)
		msg := rowhouse.ErrorMessage(err)
		if status >= 500 {
			w.Log.Error("sign-in link failed", "err", err)
			msg = "Something went wrong on the server. Please try again."
		}
		p := page{Title: "Sign in", Narrow: true, Error: msg, Content: loginContent{Next: "/", Token: w.loginToken(rw, r)}}
		w.render(rw, r, status, "login", p)
		return
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		_ = w.Sessions.SignOut(r.Context(), c.Value) // best effort: it is replaced anyway
	}
	http.SetCookie(rw, w.Sessions.Cookie(r, token, sess.ExpiresAt))
	http.Redirect(rw, r, "/", http.StatusSeeOther)
}

// passwordContent is the password form: on the home page after a sign-in
// link (or while the user has none), and on the account page.
type passwordContent struct {
	// Ask is set when the home page should ask for a password: the user
	// has none, or came by a sign-in link.
	Ask bool
	// NeedCurrent asks for the current password too.
	NeedCurrent bool
	HasPassword bool
	Next        string
}

// passwordState tells which password form a session gets.
func (w *Web) passwordState(r *http.Request, s auth.Session, next string) (passwordContent, error) {
	has, err := w.Sessions.HasPassword(r.Context(), s.User.ID)
	if err != nil {
		return passwordContent{}, err
	}
	return passwordContent{Ask: !has || s.FromLink, NeedCurrent: has && !s.FromLink, HasPassword: has, Next: next}, nil
}

// setPassword sets the user's password from a form, then starts a new
// session (every other one ends) and goes back where the form was.
func (w *Web) setPassword(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	next := "/"
	if r.PostFormValue("next") == "/account" {
		next = "/account"
	}
	pw, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	refuse := func(err error) error {
		if !isUserError(err) {
			return err
		}
		if next == "/account" {
			return w.renderAccount(rw, r, s, api.Status(err), accountContent{}, userMessage(err), "")
		}
		return w.renderHome(rw, r, s, api.Status(err), userMessage(err))
	}
	if pw != confirm {
		return refuse(rowhouse.Invalidf("The two passwords are not the same."))
	}
	if err := auth.CheckPasswordRules(pw); err != nil {
		return refuse(rowhouse.Invalidf("The password is not accepted: %s.", rowhouse.ErrorMessage(err)))
	}
	ns, token, err := w.Sessions.ChangePassword(r.Context(), s, r.PostFormValue("current"), pw)
	if err != nil {
		return refuse(err)
	}
	http.SetCookie(rw, w.Sessions.Cookie(r, token, ns.ExpiresAt))
	return redirect(rw, r, next+"?done=password-set")
}

// ---- home: orgs, workspaces, documents

type homeContent struct {
	Orgs     []orgContent
	Password passwordContent
}

type orgContent struct {
	home.OrgView
	Workspaces []home.WorkspaceView
	CanEdit    bool
}

func (w *Web) homePage(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.renderHome(rw, r, s, http.StatusOK, "")
}

func (w *Web) renderHome(rw http.ResponseWriter, r *http.Request, s auth.Session, status int, errMsg string) error {
	ctx := r.Context()
	orgs, err := w.Home.ListOrgs(ctx, actor(s))
	if err != nil {
		return err
	}
	var c homeContent
	if c.Password, err = w.passwordState(r, s, "/"); err != nil {
		return err
	}
	for _, o := range orgs {
		wss, err := w.Home.ListWorkspaces(ctx, actor(s), strconv.FormatInt(o.ID, 10))
		if err != nil {
			return err
		}
		c.Orgs = append(c.Orgs, orgContent{OrgView: o, Workspaces: wss, CanEdit: o.Access.AtLeast(rowhouse.RoleEditors)})
	}
	w.render(rw, r, status, "home", page{Title: "Home", Error: errMsg, Notice: notice(r), Content: c})
	return nil
}

// homeForm runs a change made from the home page: a mistake the user can
// fix is shown on the home page, with the status the API would answer.
func (w *Web) homeForm(rw http.ResponseWriter, r *http.Request, s auth.Session, done string, change func() error) error {
	if err := change(); err != nil {
		if isUserError(err) {
			return w.renderHome(rw, r, s, api.Status(err), userMessage(err))
		}
		return err
	}
	return redirect(rw, r, "/?done="+done)
}

// formName reads a required name field.
func formName(r *http.Request, field string) (string, error) {
	name := strings.TrimSpace(r.PostFormValue(field))
	switch {
	case name == "":
		return "", rowhouse.Invalidf("Enter a name.")
	case len(name) > 200:
		return "", rowhouse.Invalidf("The name is too long (200 characters at most).")
	}
	return name, nil
}

// pathID reads an integer path value; a bad one is a page not found.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, rowhouse.NotFoundf("%s not found", what)
	}
	return id, nil
}

func (w *Web) createWorkspace(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.homeForm(rw, r, s, "workspace-created", func() error {
		name, err := formName(r, "name")
		if err != nil {
			return err
		}
		_, err = w.Home.CreateWorkspace(r.Context(), actor(s), r.PathValue("org"), name)
		return err
	})
}

func (w *Web) renameWorkspace(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	id, err := pathID(r, "ws", "workspace")
	if err != nil {
		return err
	}
	return w.homeForm(rw, r, s, "workspace-renamed", func() error {
		name, err := formName(r, "name")
		if err != nil {
			return err
		}
		return w.Home.RenameWorkspace(r.Context(), actor(s), id, name)
	})
}

func (w *Web) deleteWorkspace(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	id, err := pathID(r, "ws", "workspace")
	if err != nil {
		return err
	}
	return w.homeForm(rw, r, s, "workspace-deleted", func() error {
		return w.Home.DeleteWorkspace(r.Context(), actor(s), id)
	})
}

func (w *Web) createDoc(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	id, err := pathID(r, "ws", "workspace")
	if err != nil {
		return err
	}
	return w.homeForm(rw, r, s, "doc-created", func() error {
		name, err := formName(r, "name")
		if err != nil {
			return err
		}
		_, err = w.Home.CreateDoc(r.Context(), actor(s), id, name)
		return err
	})
}

func (w *Web) renameDoc(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.homeForm(rw, r, s, "doc-renamed", func() error {
		name, err := formName(r, "name")
		if err != nil {
			return err
		}
		_, err = w.Home.UpdateDoc(r.Context(), actor(s), r.PathValue("docId"), home.DocUpdate{Name: &name})
		return err
	})
}

func (w *Web) deleteDoc(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.homeForm(rw, r, s, "doc-deleted", func() error {
		_, err := w.Home.DeleteDoc(r.Context(), actor(s), r.PathValue("docId"))
		return err
	})
}

// ---- account and API keys

type accountContent struct {
	Keys []rowhouse.APIKey
	// NewKey and NewSecret are set right after a key is created: the only
	// time its secret is shown.
	NewKey    *rowhouse.APIKey
	NewSecret string
	// TryURL is a URL the new key can read, for the example command.
	TryURL string
	// Docs are the documents a key may be limited to.
	Docs []home.DocView
	// Form holds the values of a refused form, to fill it again.
	Form     keyForm
	Origin   string
	Password passwordContent
}

type keyForm struct {
	Name, Expires, Doc string
	ReadOnly           bool
}

func (w *Web) accountPage(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	return w.renderAccount(rw, r, s, http.StatusOK, accountContent{}, "", notice(r))
}

func (w *Web) renderAccount(rw http.ResponseWriter, r *http.Request, s auth.Session, status int, c accountContent, errMsg, notice string) error {
	ctx := r.Context()
	keys, err := w.Keys.List(ctx, actor(s))
	if err != nil {
		return err
	}
	c.Keys = keys
	if c.Docs, err = w.allDocs(r, s); err != nil {
		return err
	}
	c.Origin = api.Origin(r)
	if c.Password, err = w.passwordState(r, s, "/account"); err != nil {
		return err
	}
	w.render(rw, r, status, "account", page{Title: "Account", Error: errMsg, Notice: notice, Content: c})
	return nil
}

// allDocs lists every document the user can see, for the key scope menu.
func (w *Web) allDocs(r *http.Request, s auth.Session) ([]home.DocView, error) {
	orgs, err := w.Home.ListOrgs(r.Context(), actor(s))
	if err != nil {
		return nil, err
	}
	var docs []home.DocView
	for _, o := range orgs {
		wss, err := w.Home.ListWorkspaces(r.Context(), actor(s), strconv.FormatInt(o.ID, 10))
		if err != nil {
			return nil, err
		}
		for _, ws := range wss {
			docs = append(docs, ws.Docs...)
		}
	}
	return docs, nil
}

// createKey makes a key from the form and shows its secret, once. The
// expiry is a date (the key stops working at the start of that day, UTC).
func (w *Web) createKey(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	f := keyForm{Name: strings.TrimSpace(r.PostFormValue("name")), Expires: strings.TrimSpace(r.PostFormValue("expires")),
		Doc: strings.TrimSpace(r.PostFormValue("doc")), ReadOnly: r.PostFormValue("readonly") != ""}
	refuse := func(err error) error {
		if !isUserError(err) {
			return err
		}
		return w.renderAccount(rw, r, s, api.Status(err), accountContent{Form: f}, userMessage(err), "")
	}
	nk := auth.NewKey{Name: f.Name, Scopes: rowhouse.KeyScopes{ReadOnly: f.ReadOnly}}
	if f.Name == "" {
		return refuse(rowhouse.Invalidf("Enter a name for the key."))
	}
	if f.Expires != "" {
		t, err := time.Parse("2006-01-02", f.Expires)
		if err != nil {
			return refuse(rowhouse.Invalidf("The expiry date %q is not a date (YYYY-MM-DD).", f.Expires))
		}
		if !t.After(w.Now()) {
			return refuse(rowhouse.Invalidf("The expiry date must be in the future."))
		}
		nk.ExpiresAt = &t
	}
	if f.Doc != "" {
		nk.Scopes.Docs = []string{f.Doc}
	}
	key, secret, err := w.Keys.Create(r.Context(), actor(s), nk)
	if err != nil {
		return refuse(err)
	}
	try := api.Origin(r) + "/api/orgs"
	if len(key.Scopes.Docs) > 0 { // a document key cannot list orgs
		try = api.Origin(r) + "/api/docs/" + url.PathEscape(key.Scopes.Docs[0]) + "/tables"
	}
	return w.renderAccount(rw, r, s, http.StatusOK, accountContent{NewKey: &key, NewSecret: secret, TryURL: try}, "",
		"Key created. Copy it now: it will not be shown again.")
}

func (w *Web) deleteKey(rw http.ResponseWriter, r *http.Request, s auth.Session) error {
	id, err := pathID(r, "id", "API key")
	if err != nil {
		return err
	}
	if err := w.Keys.Delete(r.Context(), actor(s), id); err != nil {
		return err
	}
	return redirect(rw, r, "/account?done=key-removed")
}
