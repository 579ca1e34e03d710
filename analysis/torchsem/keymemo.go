package torchsem

import "sync"

// keyMemo keeps a value per key, computed outside its lock on first use (two goroutines
// asking at once may both compute it; the answers are the same). The zero value is ready.
type keyMemo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

// get returns k's value, computing it with compute the first time.
func (c *keyMemo[K, V]) get(k K, compute func() V) V {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]V{}
	}
	c.m[k] = v
	c.mu.Unlock()
	return v
}
