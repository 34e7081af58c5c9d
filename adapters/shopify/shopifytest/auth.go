package shopifytest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// authorized checks the X-Shopify-Access-Token header against the static token and the
// tokens issued by the client-credentials grant that have not expired.
func (s *Server) authorized(r *http.Request) bool {
	tok := r.Header.Get("X-Shopify-Access-Token")
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uninstalled {
		return false // an uninstalled app's tokens are void
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.Token)) == 1 {
		return true
	}
	exp, ok := s.issued[tok]
	return ok && s.clock.Now().Before(exp)
}

// handleAccessToken implements the client-credentials grant:
// POST /admin/oauth/access_token with a form body → {access_token, scope, expires_in}.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	var grant, id, secret string
	if isJSON(r.Header.Get("Content-Type")) {
		var body struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The request body is not valid JSON."})
			return
		}
		grant, id, secret = body.GrantType, body.ClientID, body.ClientSecret
	} else {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The request body is not a valid form."})
			return
		}
		grant, id, secret = r.PostForm.Get("grant_type"), r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if grant != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported by the authorization server."})
		return
	}
	if s.clientID == "" || id != s.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.clientSecret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."})
		return
	}
	ttl := s.tokenTTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	tok := "shpat_" + randomHex(16)
	s.mu.Lock()
	now := s.clock.Now()
	for t, exp := range s.issued { // keep the map small in a long-running demo
		if !now.Before(exp) {
			delete(s.issued, t)
		}
	}
	s.issued[tok] = now.Add(ttl)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"scope":        strings.Join(s.Scopes(), ","),
		"expires_in":   int(ttl / time.Second),
	})
}

// RevokeTokens invalidates every token issued by the client-credentials grant, as if they
// had expired; the static token keeps working.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.issued)
}

// IssuedTokens is the number of client-credentials tokens issued and not yet expired.
func (s *Server) IssuedTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, exp := range s.issued {
		if s.clock.Now().Before(exp) {
			n++
		}
	}
	return n
}
