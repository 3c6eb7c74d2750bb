package intake

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"qingfeng/internal/apperr"
)

// jpegWithEXIF builds a JPEG carrying an APP1 EXIF segment with a GPS tag
// marker, to prove re-encoding drops it.
func jpegWithEXIF(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		img.Set(x, x, color.RGBA{200, 10, 10, 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	exif := []byte("Exif\x00\x00GPSLatitude=29.1171N;GPSLongitude=110.4792E")
	seg := append([]byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestCleanFiles(t *testing.T) {
	withExif := jpegWithEXIF(t)
	if !bytes.Contains(withExif, []byte("GPSLatitude")) {
		t.Fatal("fixture lacks the EXIF marker")
	}
	files, err := CleanFiles([]string{"../../现场照片.JPG", "说明.pdf"}, [][]byte{withExif, []byte("%PDF-1.4 test")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].MIME != "image/jpeg" || files[0].Name != "现场照片.jpg" || files[1].MIME != "application/pdf" {
		t.Fatalf("files = %+v", files)
	}
	if bytes.Contains(files[0].Data, []byte("GPS")) || bytes.Contains(files[0].Data, []byte("Exif")) {
		t.Error("re-encoded image still carries EXIF/GPS data")
	}
	if _, err := jpeg.Decode(bytes.NewReader(files[0].Data)); err != nil {
		t.Errorf("re-encoded image does not decode: %v", err)
	}
	if len(files[0].SHA256) != 64 {
		t.Errorf("sha256 %q", files[0].SHA256)
	}

	bad := []struct {
		name  string
		names []string
		datas [][]byte
		key   string
	}{
		{"executable", []string{"a.exe"}, [][]byte{[]byte("MZ\x90\x00")}, "intake.file_type"},
		{"zip not office", []string{"a.zip"}, [][]byte{[]byte("PK\x03\x04xx")}, "intake.file_type"},
		{"too many", []string{"1", "2", "3", "4", "5", "6"}, make([][]byte, 6), "intake.files_too_many"},
		{"too large", []string{"a.pdf"}, [][]byte{append([]byte("%PDF-"), make([]byte, MaxFileBytes)...)}, "intake.file_too_large"},
		{"broken image", []string{"a.png"}, [][]byte{[]byte("\x89PNG\r\n\x1a\nbroken")}, "intake.image_invalid"},
	}
	for _, tc := range bad {
		_, err := CleanFiles(tc.names, tc.datas)
		if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["files"] != tc.key {
			t.Errorf("%s: err %v, want invalid files %s", tc.name, err, tc.key)
		}
	}
}

func FuzzCleanFiles(f *testing.F) {
	f.Add("a.jpg", []byte("\xff\xd8\xff\xe0garbage"))
	f.Add("b.docx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		files, err := CleanFiles([]string{name}, [][]byte{data})
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("non-validation error %v", err)
		}
		for _, f := range files {
			if f.Name == "" || f.MIME == "" || len(f.SHA256) != 64 {
				t.Fatalf("bad file %+v", f)
			}
		}
	})
}
