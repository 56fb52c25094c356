package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// assetSet serves assets/ under content-hashed names
// (/assets/css/app.1a2b3c4d5e6f.css) so they can be cached for a year: a
// changed file gets a new name.
type assetSet struct {
	byURL  map[string]asset  // "/assets/css/app.<hash>.css" -> file
	urlFor map[string]string // "css/app.css" -> "/assets/css/app.<hash>.css"
}

type asset struct {
	body  []byte
	ctype string
}

func loadAssets(fsys fs.FS) (*assetSet, error) {
	set := &assetSet{byURL: map[string]asset{}, urlFor: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// src/ holds the sources bundles are built from (the
			// editor's script): kept beside them, not served.
			if p == "src" {
				return fs.SkipDir
			}
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		url := "/assets/" + strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		set.byURL[url] = asset{body: body, ctype: ctype}
		set.urlFor[p] = url
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load assets: %w", err)
	}
	return set, nil
}

// url is the template function {{asset "css/app.css"}}. A missing asset is
// a template error, so a typo stops the page instead of shipping a 404.
func (a *assetSet) url(name string) (string, error) {
	u, ok := a.urlFor[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return u, nil
}

func (s *Server) serveAsset(c *fiber.Ctx) error {
	a, ok := s.assets.byURL[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, a.ctype)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(a.body)
}
