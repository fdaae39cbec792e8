package main

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
	"golang.org/x/crypto/bcrypt"
)

// loadChargerAuth reads --charger-auth: charger id → bcrypt hash. With it,
// every charger must present HTTP Basic auth with its id as the user name.
func loadChargerAuth(path string) (func(*http.Request, string) bool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--charger-auth: %w", err)
	}
	var hashes map[string]string
	if err := json.Unmarshal(b, &hashes); err != nil {
		return nil, fmt.Errorf("--charger-auth %s: want a JSON object {\"c1234\":\"<bcrypt hash>\"}: %w", path, err)
	}
	for id, h := range hashes {
		if err := domain.ValidateDeviceID("charger", id); err != nil {
			return nil, fmt.Errorf("--charger-auth %s: %w", path, err)
		}
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return nil, fmt.Errorf("--charger-auth %s: charger %s: not a bcrypt hash (make one with chargebooth passwd)", path, id)
		}
	}
	return func(r *http.Request, id string) bool {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(id)) != 1 {
			return false
		}
		h, known := hashes[id]
		if !known {
			return false
		}
		return bcrypt.CompareHashAndPassword([]byte(h), []byte(pass)) == nil
	}, nil
}

// loadAllowList reads --charger-allow: one charger id a line, # comments.
func loadAllowList(path string) (map[string]bool, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--charger-allow: %w", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := domain.ValidateDeviceID("charger", line); err != nil {
			return nil, fmt.Errorf("--charger-allow %s: %w", path, err)
		}
		out[line] = true
	}
	return out, sc.Err()
}

// runPasswd prints the bcrypt hash of a charger password for --charger-auth.
func runPasswd(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chargebooth passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("passwd: give the password on standard input")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(strings.TrimRight(line, "\r\n")), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(h))
	return nil
}
