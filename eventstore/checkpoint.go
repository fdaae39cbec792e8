package eventstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
)

// Checkpoints live in a JetStream object store rather than a KV bucket: an
// object is chunked, so a checkpoint may be far larger than the server's
// max_payload (1 MiB by default), and a Put replaces the previous object
// only once the new one is complete.

// SaveCheckpoint stores what r holds under name, replacing what was there
// once it is all stored (a Put that fails, reading r or storing a chunk,
// removes its chunks and leaves the previous object).
func (s *Store) SaveCheckpoint(ctx context.Context, name string, r io.Reader) error {
	if err := s.connected("save checkpoint " + name); err != nil {
		return err
	}
	obs, err := s.checkpointBucket(ctx, true)
	if err != nil {
		return err
	}
	if _, err := obs.Put(ctx, jetstream.ObjectMeta{Name: name}, fullReads{r}); err != nil {
		return classify("save checkpoint "+name, err)
	}
	return nil
}

// fullReads fills each Read's buffer from r as far as r goes: the object
// store makes one chunk of each Read, and a reader such as a pipe returns
// one write at a time (a checkpoint streamed in 4 KiB writes was a
// thousand chunks instead of 55, each a message to store and to read back
// at the next start).
type fullReads struct{ r io.Reader }

func (f fullReads) Read(p []byte) (int, error) {
	n, err := io.ReadFull(f.r, p)
	if err == io.ErrUnexpectedEOF {
		err = nil // the rest of r: the next Read reports io.EOF
	}
	return n, err
}

// LoadCheckpoint returns the data saved under name, or nil, nil when there
// is none.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) ([]byte, error) {
	if err := s.connected("load checkpoint " + name); err != nil {
		return nil, err
	}
	obs, err := s.checkpointBucket(ctx, false)
	if err != nil || obs == nil {
		return nil, err
	}
	data, err := obs.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, classify("load checkpoint "+name, err)
	}
	return data, nil
}

// checkpointBucket returns the checkpoint object store, creating it when
// create is set; without create it returns nil, nil when it is missing.
func (s *Store) checkpointBucket(ctx context.Context, create bool) (jetstream.ObjectStore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkpoints != nil {
		return s.checkpoints, nil
	}
	obs, err := s.js.ObjectStore(ctx, CheckpointBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if !create {
			return nil, nil
		}
		obs, err = s.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      CheckpointBucket,
			Description: "chargebooth projection checkpoints",
			Storage:     s.cfg.storage(),
			Replicas:    s.cfg.Replicas,
		})
	}
	if err != nil {
		return nil, classify(fmt.Sprintf("checkpoint bucket %s", CheckpointBucket), err)
	}
	s.checkpoints = obs
	return obs, nil
}
