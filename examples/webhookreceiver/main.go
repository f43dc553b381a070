// Command webhookreceiver is a minimal receiver of Rowhouse webhooks: it
// accepts a delivery only if its X-Rowhouse-Signature verifies under the
// webhook's secret (shown once, when the webhook is created) and was made
// recently, then prints the records it carries.
//
//	WEBHOOK_SECRET=... go run ./examples/webhookreceiver -addr 127.0.0.1:8090
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/rowhouse/rowhouse/client"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	tolerance := flag.Duration("tolerance", client.DefaultSignatureTolerance, "how old a signature may be")
	flag.Parse()
	secret := os.Getenv("WEBHOOK_SECRET")
	if secret == "" {
		log.Fatal("set WEBHOOK_SECRET to the secret returned when the webhook was created")
	}
	h := Handler(secret, *tolerance, time.Now, func(event string, records []map[string]any) {
		for _, r := range records {
			fmt.Printf("%s %v\n", event, r)
		}
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}

// maxDelivery bounds a delivery's body (100 records).
const maxDelivery = 10 << 20

// Handler verifies each delivery and passes its records to handle. It
// answers 401 to a delivery that does not verify (the server retries it,
// and shows the failure on the webhook), 400 to a body that is not a JSON
// array, and 204 once the records are handled.
func Handler(secret string, tolerance time.Duration, now func() time.Time, handle func(event string, records []map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDelivery))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := client.VerifySignature(secret, r.Header.Get("X-Rowhouse-Signature"), body, now(), tolerance); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var records []map[string]any
		if err := json.Unmarshal(body, &records); err != nil {
			http.Error(w, "body is not a JSON array of records", http.StatusBadRequest)
			return
		}
		handle(r.Header.Get("X-Rowhouse-Event"), records)
		w.WriteHeader(http.StatusNoContent)
	})
}
