package tails

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
)

// wrangler sends its first tail message ({"debug": ...}) unmasked (the `ws` library's
// mask: false, in wrangler's tail/createTail.ts), which Cloudflare's tail accepts although
// RFC 6455 makes clients mask every frame; the WebSocket library refuses such a frame and closes
// the connection. maskingHijacker hands the library a connection on which each unmasked frame
// from the client reads as the same frame masked with the key 0 (XOR with 0 changes nothing).

// maskingHijacker is an http.ResponseWriter whose hijacked connection masks the client's
// unmasked frames.
type maskingHijacker struct {
	http.ResponseWriter
}

func (h maskingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		if u, ok := h.ResponseWriter.(interface{ Unwrap() http.ResponseWriter }); ok {
			return maskingHijacker{u.Unwrap()}.Hijack()
		}
		return nil, nil, errors.New("the connection cannot be taken over")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the server has already read past the request come first. The library reads the
	// connection itself once the reader it is handed runs dry, so the connection is wrapped too.
	buffered, _ := brw.Peek(brw.Reader.Buffered())
	masked := &maskingConn{Conn: conn, r: &maskingReader{src: io.MultiReader(bufioBytes(buffered), conn)}}
	return masked, bufio.NewReadWriter(bufio.NewReader(masked), brw.Writer), nil
}

// maskingConn reads through a maskingReader.
type maskingConn struct {
	net.Conn
	r io.Reader
}

func (c *maskingConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// bufioBytes copies b: the hijacked reader's buffer is not ours to keep.
func bufioBytes(b []byte) io.Reader {
	c := make([]byte, len(b))
	copy(c, b)
	return &byteReader{b: c}
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// maskingReader passes WebSocket frames through, adding the mask bit and a zero key to the
// header of a frame that has none.
type maskingReader struct {
	src     io.Reader
	pending []byte // header bytes to hand out before the payload
	payload uint64 // payload bytes of the current frame still to pass through
}

func (r *maskingReader) Read(p []byte) (int, error) {
	if len(r.pending) == 0 && r.payload == 0 {
		if err := r.nextHeader(); err != nil {
			return 0, err
		}
	}
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	if uint64(len(p)) > r.payload {
		p = p[:r.payload]
	}
	n, err := r.src.Read(p)
	r.payload -= uint64(n)
	return n, err
}

// nextHeader reads one frame header into pending, masked.
func (r *maskingReader) nextHeader() error {
	head := make([]byte, 2, 14)
	if _, err := io.ReadFull(r.src, head); err != nil {
		return err
	}
	masked := head[1]&0x80 != 0
	length := uint64(head[1] & 0x7f)
	switch length {
	case 126:
		ext := make([]byte, 2)
		if _, err := io.ReadFull(r.src, ext); err != nil {
			return err
		}
		head, length = append(head, ext...), uint64(binary.BigEndian.Uint16(ext))
	case 127:
		ext := make([]byte, 8)
		if _, err := io.ReadFull(r.src, ext); err != nil {
			return err
		}
		head, length = append(head, ext...), binary.BigEndian.Uint64(ext)
	}
	if masked {
		key := make([]byte, 4)
		if _, err := io.ReadFull(r.src, key); err != nil {
			return err
		}
		head = append(head, key...)
	} else {
		head[1] |= 0x80
		head = append(head, 0, 0, 0, 0)
	}
	r.pending, r.payload = head, length
	return nil
}
