// Command app is a tiny HTTP service: the image the examples build for linux/amd64 and linux/arm64.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime"
)

func main() {
	addr := ":" + envOr("PORT", "8080")
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"message": envOr("MESSAGE", "hello from pulumi-ecr-image"),
			"os":      runtime.GOOS,
			"arch":    runtime.GOARCH,
		})
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	log.Printf("listening on %s (%s/%s)", addr, runtime.GOOS, runtime.GOARCH)
	log.Fatal(http.ListenAndServe(addr, nil))
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}
