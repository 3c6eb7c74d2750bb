package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"path"
	"strings"
	"unicode/utf8"

	_ "image/gif" // decode GIF uploads (re-encoded as PNG)

	"qingfeng/internal/apperr"
)

// Upload limits (public and staff).
const (
	MaxFiles     = 5
	MaxFileBytes = 10 << 20 // 10 MiB each
	MaxAllBytes  = 25 << 20 // 25 MiB per submission
	MaxPixels    = 40_000_000
)

// File is an accepted upload, ready to store: images are re-encoded (so
// EXIF, GPS and other metadata are gone), other files kept as sent.
type File struct {
	Name   string
	MIME   string
	Data   []byte
	SHA256 string
}

// CleanFiles checks and sanitises uploads: at most MaxFiles, each at most
// MaxFileBytes and all at most MaxAllBytes; only images (JPEG, PNG, GIF),
// PDF and office documents (doc/docx/xls/xlsx/ppt/pptx/wps/et) by content;
// images re-encoded. Errors: invalid with field "files".
func CleanFiles(names []string, datas [][]byte) ([]File, error) {
	if len(names) > MaxFiles {
		return nil, apperr.InvalidField("files", "intake.files_too_many")
	}
	var out []File
	total := 0
	for i, data := range datas {
		total += len(data)
		if len(data) == 0 {
			continue
		}
		if len(data) > MaxFileBytes || total > MaxAllBytes {
			return nil, apperr.InvalidField("files", "intake.file_too_large")
		}
		f, err := cleanFile(names[i], data)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func cleanFile(name string, data []byte) (File, error) {
	name = safeName(name)
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")), bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return reencode(name, data)
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return keep(name, ".pdf", "application/pdf", data), nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		mime := map[string]string{".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}[ext]
		if mime == "" {
			return File{}, apperr.InvalidField("files", "intake.file_type")
		}
		return keep(name, ext, mime, data), nil
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		mime := map[string]string{".doc": "application/msword", ".xls": "application/vnd.ms-excel",
			".ppt": "application/vnd.ms-powerpoint", ".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel"}[ext]
		if mime == "" {
			return File{}, apperr.InvalidField("files", "intake.file_type")
		}
		return keep(name, ext, mime, data), nil
	}
	return File{}, apperr.InvalidField("files", "intake.file_type")
}

// reencode decodes an image and writes it again without any metadata.
func reencode(name string, data []byte) (File, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width*cfg.Height > MaxPixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return File{}, apperr.InvalidField("files", "intake.image_invalid")
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return File{}, apperr.InvalidField("files", "intake.image_invalid")
	}
	var buf bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88})
		name = strings.TrimSuffix(name, path.Ext(name)) + ".jpg"
		return finish(name, "image/jpeg", buf.Bytes(), err)
	}
	err = png.Encode(&buf, img)
	name = strings.TrimSuffix(name, path.Ext(name)) + ".png"
	return finish(name, "image/png", buf.Bytes(), err)
}

func finish(name, mime string, data []byte, err error) (File, error) {
	if err != nil {
		return File{}, apperr.InvalidField("files", "intake.image_invalid")
	}
	return keep(name, path.Ext(name), mime, data), nil
}

func keep(name, ext, mime string, data []byte) File {
	if !strings.EqualFold(path.Ext(name), ext) {
		name = strings.TrimSuffix(name, path.Ext(name)) + ext
	}
	sum := sha256.Sum256(data)
	return File{Name: name, MIME: mime, Data: data, SHA256: hex.EncodeToString(sum[:])}
}

// safeName keeps the base name, drops control and path characters and
// bounds the length.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == ':' || r == '"' || r == '<' || r == '>' || r == '|' || r == '*' || r == '?' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "附件"
	}
	if r := []rune(name); len(r) > 80 {
		ext := path.Ext(name)
		name = string(r[:80-len([]rune(ext))]) + ext
	}
	return name
}
