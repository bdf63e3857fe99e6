package server

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

// ErrBadTokens means a token list could not be read.
var ErrBadTokens = errors.New("server: invalid token list")

// Token is one bearer token the operator issued: a name (the owner of the
// scenarios saved with it) and whether it is an admin's, who may delete
// anyone's scenarios. Only the SHA-256 of the secret is kept.
type Token struct {
	Name  string
	Admin bool
	hash  [sha256.Size]byte
}

// Tokens is the list of issued tokens; the zero value issues none.
type Tokens struct{ list []Token }

// minSecretLen bounds how short a plain secret may be: 16 characters of a
// random token are 80 bits or more.
const minSecretLen = 16

var tokenName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// ParseTokens reads a token list: one token a line, "name secret" or
// "name:admin secret", where secret is the token itself or
// "sha256:<64 hex digits>", its SHA-256 (so that the file need not hold
// the secrets). Blank lines and lines starting with # are skipped; ';'
// also separates entries, so that the list fits in one environment
// variable. src names the list in errors.
func ParseTokens(r io.Reader, src string) (*Tokens, error) {
	t := &Tokens{}
	return t, t.parse(r, src)
}

// TokenList is a token list to parse and where it came from (for errors).
type TokenList struct {
	Source string
	Text   string
}

// ParseTokenLists parses several token lists (a file and an environment
// variable) into one; a secret may not appear twice across them.
func ParseTokenLists(lists ...TokenList) (*Tokens, error) {
	t := &Tokens{}
	for _, l := range lists {
		if err := t.parse(strings.NewReader(l.Text), l.Source); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Tokens) parse(r io.Reader, src string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	line := 0
	for sc.Scan() {
		line++
		for entry := range strings.SplitSeq(sc.Text(), ";") {
			entry = strings.TrimSpace(entry)
			if entry == "" || strings.HasPrefix(entry, "#") {
				continue
			}
			bad := func(format string, args ...any) error {
				return fmt.Errorf("%s: line %d: %w: %s", src, line, ErrBadTokens, fmt.Sprintf(format, args...))
			}
			f := strings.Fields(entry)
			if len(f) != 2 {
				return bad(`want "name secret" or "name:admin secret"`)
			}
			name, role, _ := strings.Cut(f[0], ":")
			tok := Token{Name: name}
			switch role {
			case "":
			case "admin":
				tok.Admin = true
			default:
				return bad("role %q is not admin", role)
			}
			if !tokenName.MatchString(name) {
				return bad("name %q: want 1 to 64 letters, digits or ._@-", name)
			}
			if hx, ok := strings.CutPrefix(f[1], "sha256:"); ok {
				b, err := hex.DecodeString(hx)
				if err != nil || len(b) != sha256.Size {
					return bad("the hash of %s is not 64 hex digits", name)
				}
				copy(tok.hash[:], b)
			} else {
				if len(f[1]) < minSecretLen {
					return bad("the secret of %s is shorter than %d characters", name, minSecretLen)
				}
				tok.hash = sha256.Sum256([]byte(f[1]))
			}
			for _, o := range t.list {
				if o.hash == tok.hash {
					return bad("the secret of %s is also %s's", name, o.Name)
				}
			}
			t.list = append(t.list, tok)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w: %v", src, ErrBadTokens, err)
	}
	return nil
}

// Len is the number of tokens.
func (t *Tokens) Len() int {
	if t == nil {
		return 0
	}
	return len(t.list)
}

// lookup returns the token whose secret is secret. It compares the hash
// with every token's in constant time and never stops early, so that the
// time taken tells nothing of which token, or how much of one, matched.
func (t *Tokens) lookup(secret string) (Token, bool) {
	if t == nil || secret == "" {
		return Token{}, false
	}
	h := sha256.Sum256([]byte(secret))
	var found Token
	ok := 0
	for _, tok := range t.list {
		if subtle.ConstantTimeCompare(h[:], tok.hash[:]) == 1 {
			found, ok = tok, 1
		}
	}
	return found, ok == 1
}

// unauthorized is a 401 problem; the error handler adds WWW-Authenticate.
func unauthorized(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: detail, Param: "Authorization"}
}

// forbidden is a 403 problem.
func forbidden(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Forbidden", Status: http.StatusForbidden, Detail: detail}
}

// tokenKey is where requireToken leaves the caller's Token.
const tokenKey = "fifteen.token"

// bearer authenticates the request's bearer token; a request without
// one gives ok false and no error.
func (s *state) bearer(c echo.Context) (tok Token, ok bool, err error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return tok, false, nil
	}
	scheme, secret, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return tok, false, unauthorized(`the Authorization header must be "Bearer <token>"`)
	}
	tok, ok = s.cfg.Tokens.lookup(strings.TrimSpace(secret))
	if !ok {
		return tok, false, unauthorized("the bearer token is not one this server issued")
	}
	return tok, true, nil
}

// requireToken lets through only requests with a valid bearer token, and
// leaves it in the context for the handler.
func (s *state) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		tok, ok, err := s.bearer(c)
		if err != nil {
			return err
		}
		if !ok {
			if s.cfg.Tokens.Len() == 0 {
				return unauthorized("this server issues no tokens, so nothing can be saved or deleted; the operator issues them with --tokens")
			}
			return unauthorized("saving or deleting a scenario needs a bearer token in the Authorization header")
		}
		c.Set(tokenKey, tok)
		return next(c)
	}
}

// closedReading, when the operator has closed reading (Config.ReadNeedsToken),
// asks a token of every request but the health checks.
func (s *state) closedReading(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.cfg.ReadNeedsToken || c.Request().Method == http.MethodOptions {
			return next(c)
		}
		switch c.Request().URL.Path {
		case "/healthz", "/readyz":
			return next(c)
		}
		_, ok, err := s.bearer(c)
		if err != nil {
			return err
		}
		if !ok {
			return unauthorized("this server is closed to reading without a bearer token")
		}
		return next(c)
	}
}

// sameOrigin refuses state-changing requests sent from a web page of
// another origin: reading stays open to every origin (CORS *), but a page
// elsewhere must not save or delete with a token the browser holds. A
// request with no Origin and no Sec-Fetch-Site (curl, scripts) passes.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if site := req.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return forbidden("saving or deleting scenarios from a page of another origin is refused")
		}
		if o := req.Header.Get(echo.HeaderOrigin); o != "" {
			u, err := url.Parse(o)
			if err != nil || !strings.EqualFold(u.Host, req.Host) {
				return forbidden("saving or deleting scenarios from a page of another origin (" + truncate(o, 100) + ") is refused")
			}
		}
		return next(c)
	}
}

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
