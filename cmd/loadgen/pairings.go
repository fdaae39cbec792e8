package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
)

// pairingsJSON returns the pairings file for n pairs: a JSON object from
// charger id to widget id, as `chargebooth serve --pairings` reads it.
func pairingsJSON(prefix string, n int) ([]byte, error) {
	m := make(map[string]string, n)
	for i := range n {
		m[chargerID(prefix, i)] = widgetID(prefix, i)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode pairings: %w", err)
	}
	return append(b, '\n'), nil
}

// writePairingsFile writes the pairings file for n pairs to path.
func writePairingsFile(path, prefix string, n int) error {
	b, err := pairingsJSON(prefix, n)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write pairings: %w", err)
	}
	return nil
}

// registerConcurrency is how many pairing requests are in flight at once.
const registerConcurrency = 16

// registerPairings pairs every charger with its widget through the staff
// API: PUT {api}/api/pairings/{chargerId} {"widgetId":…}.
func registerPairings(ctx context.Context, client *http.Client, api, token string, pairs []*pair) error {
	api = strings.TrimSuffix(api, "/")
	next := make(chan *pair)
	errs := make(chan error, len(pairs))
	var wg sync.WaitGroup
	for range min(registerConcurrency, len(pairs)) {
		wg.Go(func() {
			for p := range next {
				if err := putPairing(ctx, client, api, token, p.chargerID, p.widgetID); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, p := range pairs {
		next <- p
	}
	close(next)
	wg.Wait()
	close(errs)
	if n := len(errs); n > 0 {
		return fmt.Errorf("register %d of %d pairings: %w", n, len(pairs), <-errs)
	}
	return nil
}

// putPairing registers one pairing.
func putPairing(ctx context.Context, client *http.Client, api, token, charger, widget string) error {
	body, err := json.Marshal(map[string]string{"widgetId": widget})
	if err != nil {
		return fmt.Errorf("encode pairing: %w", err)
	}
	u := api + "/api/pairings/" + url.PathEscape(charger)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("pair %s: %w", charger, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("pair %s: %w", charger, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("pair %s: %s: %s", charger, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
