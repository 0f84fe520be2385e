package storage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestD1Registry(t *testing.T) {
	db, _ := openTest(t)
	reg := db.D1()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	require.NoError(t, reg.Create(D1Database{UUID: "u1", Name: "first", CreatedAt: t0}))
	require.NoError(t, reg.Create(D1Database{UUID: "u2", Name: "later", CreatedAt: t0.Add(time.Second)}))
	assert.ErrorIs(t, reg.Create(D1Database{UUID: "u3", Name: "first", CreatedAt: t0}), ErrD1NameTaken)
	list, err := reg.List()
	require.NoError(t, err)
	assert.Equal(t, []D1Database{{"u1", "first", t0}, {"u2", "later", t0.Add(time.Second)}}, list, "in creation order, times kept")
	require.NoError(t, reg.Delete("u1"))
	assert.ErrorIs(t, reg.Delete("u1"), ErrD1Missing)
}
