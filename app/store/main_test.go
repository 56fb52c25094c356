package store_test

import (
	"testing"

	"github.com/upstand/upstand/app/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
