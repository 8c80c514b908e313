// golang.org/x/oauth2 (Debian's golang-golang-x-oauth2-dev, 0.3.0) as its docs show, speaking
// the harness's process protocol: a Config with the endpoints it is given, AuthCodeURL(state,
// opts...), Exchange(ctx, code, opts...), and Config.Client / TokenSource, which refresh an
// expired token before a call. The library leaves the callback to the application ("Before
// calling Exchange, be sure to validate FormValue("state")") and, in this version, PKCE too
// ("It can also be used to pass the PKCE challenge"): the program keeps the session (state,
// verifier), compares state, reads error= and makes the S256 pair; those items are its own code.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

type session struct{ state, verifier string }

var (
	ctx  = context.Background()
	conf = &oauth2.Config{
		ClientID:     os.Getenv("CONFORMANCE_CLIENT_ID"),
		ClientSecret: os.Getenv("CONFORMANCE_CLIENT_SECRET"), // empty for a PKCE app
		Endpoint: oauth2.Endpoint{
			AuthURL:  os.Getenv("CONFORMANCE_AUTHORIZATION_ENDPOINT"),
			TokenURL: os.Getenv("CONFORMANCE_TOKEN_ENDPOINT"),
		},
		RedirectURL: os.Getenv("CONFORMANCE_REDIRECT_URI"),
		Scopes:      strings.Fields(os.Getenv("CONFORMANCE_SCOPE")),
	}
	mu      sync.Mutex
	pending *session      // the user's session (a cookie, in a web app)
	current *oauth2.Token // the newest token, as the application would store it
	client  *http.Client  // Config.Client: refreshes an expired token before a call
)

func say(line string) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(strings.Join(strings.Fields(line), " "))
}

func random() string {
	bytes := make([]byte, 32)
	if _, err := rand.Read(bytes); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(bytes)
}

// saving is the application's TokenSource wrapper that stores each token it is handed.
type saving struct{ source oauth2.TokenSource }

func (s saving) Token() (*oauth2.Token, error) {
	token, err := s.source.Token()
	if err == nil {
		mu.Lock()
		current = token
		mu.Unlock()
	}
	return token, err
}

func use(token *oauth2.Token) {
	mu.Lock()
	current = token
	mu.Unlock()
	client = oauth2.NewClient(ctx, saving{conf.TokenSource(ctx, token)})
}

func callback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, "Done.")
	query := r.URL.Query()
	mu.Lock()
	started := pending
	mu.Unlock()
	if started == nil || subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(started.state)) != 1 {
		say("error state mismatch")
		return
	}
	if query.Get("error") != "" {
		say("error " + query.Get("error"))
		return
	}
	token, err := conf.Exchange(ctx, query.Get("code"), oauth2.SetAuthURLParam("code_verifier", started.verifier))
	if err != nil {
		say("error " + err.Error())
		return
	}
	mu.Lock()
	pending = nil // the application's part: a session completes once
	mu.Unlock()
	use(token)
	say("ok")
}

func authorize() {
	started := &session{state: random(), verifier: random()}
	digest := sha256.Sum256([]byte(started.verifier))
	mu.Lock()
	pending = started
	mu.Unlock()
	say(conf.AuthCodeURL(started.state,
		oauth2.SetAuthURLParam("code_challenge", base64.RawURLEncoding.EncodeToString(digest[:])),
		oauth2.SetAuthURLParam("code_challenge_method", "S256")))
}

// refresh: the library refreshes only a token it sees expired; a token holding only the
// refresh token is one (the usual way to make it refresh now).
func refresh() error {
	mu.Lock()
	old := current
	mu.Unlock()
	if old == nil {
		return fmt.Errorf("no token")
	}
	token, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		return err
	}
	use(token)
	return nil
}

func api() error {
	if client == nil {
		return fmt.Errorf("no token")
	}
	answer, err := client.Get(os.Getenv("CONFORMANCE_RESOURCE_URL"))
	if err != nil {
		return err
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", answer.StatusCode)
	}
	return nil
}

func main() {
	redirect, err := url.Parse(conf.RedirectURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "CONFORMANCE_REDIRECT_URI:", err)
		os.Exit(2)
	}
	http.HandleFunc(redirect.Path, callback)
	go func() {
		fmt.Fprintln(os.Stderr, http.ListenAndServe(redirect.Host, nil))
		os.Exit(1)
	}()
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		var err error
		switch strings.TrimSpace(lines.Text()) {
		case "authorize":
			authorize()
			continue
		case "refresh":
			err = refresh()
		case "api":
			err = api()
		case "quit":
			os.Exit(0)
		default:
			continue
		}
		if err != nil {
			say("error " + err.Error())
		} else {
			say("ok")
		}
	}
}
