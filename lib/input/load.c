/*
 * load.c - bytes in: a file or standard input, gzip or raw, and the
 * table of decoders that turns them into a profile.
 *
 * Owns: reading and inflating, and the choice of decoder, made by
 * content (never by file name).  Knows nothing of any format beyond the
 * gzip magic: each decoder says whether bytes are its own.  Every buffer
 * it grows is bounded by the caller's max_size, so a small hostile file
 * cannot make it allocate more than that (a gzip bomb stops at the cap).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef HD_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "input/input.h"

static int is_gzip(const unsigned char *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int too_big(struct hd_error *err, uint64_t max)
{
	char s[64];

	hd_format_size(s, sizeof(s), max);
	return hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_SIZE,
			     "decompressed profile exceeds the size limit of %s", s);
}

/* The gzip trailer's ISIZE: the last member's size mod 2^32, untrusted. */
static size_t gzip_isize(const unsigned char *in, size_t len)
{
	return len >= 18 ? (size_t)in[len - 4] | (size_t)in[len - 3] << 8 |
		(size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24 : 0;
}

#ifdef HD_HAVE_LIBDEFLATE
/*
 * The common case in one call: a single gzip member whose ISIZE is its
 * true size and within the cap.  libdeflate needs the output buffer up
 * front, so anything else (several members, a size of 4 GiB or more, a
 * lying ISIZE, corrupt data) returns -1 and is left to zlib's streaming
 * inflater, which stops at the cap and says what is wrong.
 *
 * With a spare (a caller that reads profiles one after another into the
 * same memory) the bytes go into it when it is big enough: a profile
 * freed by hd_profile_free_keep, whose pages are there already, which
 * spares a page fault per 4 KiB.  Else into a new buffer, which then has
 * room for a profile a SLACK-th bigger after this one (address space
 * only, until written), as the next snapshot of a growing program tends
 * to be.  Without one (trend: glibc's free lists reuse the memory), no
 * slack, which measured 3 MB more peak RSS there.
 */
#define SLACK 4
static int inflate_whole(const unsigned char *in, size_t len, uint64_t max,
			 struct hd_buf *spare, struct hd_buf *out)
{
	size_t size = gzip_isize(in, len), in_used = 0, out_used = 0;
	struct libdeflate_decompressor *d;
	enum libdeflate_result res;

	if (size == 0 || size > max || size / 1032 > len)
		return -1;
	hd_buf_init(out, 0);
	if (spare && spare->cap > size) {
		out->data = spare->data;
		out->cap = spare->cap;
		hd_buf_init(spare, 0);
	} else if (HD_RESERVE(out->data, out->cap, size + (spare ? size / SLACK : 0) + 1)) {
		return -1;
	}
	d = libdeflate_alloc_decompressor();
	if (!d) {
		hd_buf_release(out);
		return -1;
	}
	res = libdeflate_gzip_decompress_ex(d, in, len, out->data, size,
					    &in_used, &out_used);
	libdeflate_free_decompressor(d);
	if (res != LIBDEFLATE_SUCCESS || in_used != len || out_used != size) {
		hd_buf_release(out);
		return -1;
	}
	out->len = size;
	out->data[size] = '\0';
	return 0;
}
#endif

/*
 * Where compressed bytes come from: a buffer (a mapped file, or bytes in
 * memory) or a descriptor read as it streams (standard input, a pipe),
 * so a gzip on a pipe is inflated under the cap without being held
 * whole first.  For a descriptor, win holds what was read and not yet
 * inflated; read_cap bounds the compressed bytes read (a stream of empty
 * gzip members inflates to nothing, forever).
 */
struct gz_src {
	const unsigned char *buf; /* NULL: read fd */
	size_t len, pos;          /* of buf */
	int fd;
	unsigned char *win;
	size_t wlen;
	uint64_t nread, read_cap;
	int eof;                  /* read() said end of file */
};

/* 1 when every compressed byte was handed to zlib. */
static int gz_at_end(const struct gz_src *s, const z_stream *zs)
{
	if (zs->avail_in)
		return 0;
	return s->buf ? (size_t)(zs->next_in - s->buf) >= s->len : s->eof;
}

#define GZ_WINDOW ((size_t)1 << 16)

/* Make at least need bytes (or all that is left) available at
 * zs->next_in: 0, or < 0 on a read error. */
static int gz_fill(struct gz_src *s, z_stream *zs, size_t need, struct hd_error *err)
{
	if (s->buf) {
		size_t used = (size_t)(zs->next_in ? zs->next_in - s->buf : 0);
		size_t left = s->len - used;

		zs->next_in = (unsigned char *)s->buf + used;
		zs->avail_in = (uInt)(left > UINT32_MAX ? UINT32_MAX : left);
		return 0;
	}
	if (!zs->next_in) {
		zs->next_in = s->win; /* what the caller read before */
		zs->avail_in = (uInt)s->wlen;
	}
	if (zs->avail_in >= need || s->eof)
		return 0;
	memmove(s->win, zs->next_in ? zs->next_in : s->win, zs->avail_in);
	s->wlen = zs->avail_in;
	while (s->wlen < need) {
		ssize_t n = read(s->fd, s->win + s->wlen, GZ_WINDOW - s->wlen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hd_fail(err, HD_ERR_IO, "%s", hd_strerror(errno));
		if (n == 0) {
			s->eof = 1;
			break;
		}
		s->wlen += (size_t)n;
		s->nread += (uint64_t)n;
		if (s->nread > s->read_cap)
			return hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_SIZE,
					     "compressed input exceeds the size limit");
	}
	zs->next_in = s->win;
	zs->avail_in = (uInt)s->wlen;
	return 0;
}

/* Room for more output; never more than max + 1 bytes: one byte past
 * the cap proves the cap was crossed. */
static int gz_room(struct hd_buf *out, uint64_t max, z_stream *zs)
{
	if (out->len + 1 >= out->cap) {
		size_t ncap = out->cap * 2;
		char *np;

		if (ncap > max + 2)
			ncap = (size_t)max + 2;
		np = realloc(out->data, ncap);
		if (!np)
			return HD_ERR_NOMEM;
		out->data = np;
		out->cap = ncap;
	}
	zs->next_out = (unsigned char *)out->data + out->len;
	zs->avail_out = (uInt)((out->cap - 1 - out->len) > UINT32_MAX ?
			       UINT32_MAX : out->cap - 1 - out->len);
	return 0;
}

/* After a member's end: another member (gzip -c a b > ab), the end of
 * the input, or garbage.  1 to go on, 0 at the end, < 0 on an error. */
static int gz_next_member(struct gz_src *s, z_stream *zs, struct hd_error *err)
{
	int rc = gz_fill(s, zs, 2, err);

	if (rc)
		return rc;
	if (gz_at_end(s, zs))
		return 0;
	if (!is_gzip(zs->next_in, zs->avail_in))
		return hd_fail(err, HD_ERR_FORMAT, "trailing garbage after gzip data");
	inflateReset(zs);
	return 1;
}

/* What an inflate() result other than Z_OK, Z_STREAM_END and
 * Z_BUF_ERROR means. */
static int gz_error(int zrc, const z_stream *zs, struct hd_error *err)
{
	if (zrc == Z_DATA_ERROR)
		return hd_fail(err, HD_ERR_FORMAT, "corrupt gzip data: %s",
			       zs->msg ? zs->msg : "data error");
	if (zrc == Z_MEM_ERROR)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	return hd_fail(err, HD_ERR_FORMAT, "corrupt gzip data");
}

static int gz_inflate(struct gz_src *s, uint64_t max, size_t hint, struct hd_buf *out,
		      struct hd_error *err)
{
	z_stream zs;
	int rc = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	hd_buf_init(out, 0);
	if (HD_GROW(out->data, out->cap, hint + 1)) {
		rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		size_t before;
		int zrc;

		if ((rc = gz_fill(s, &zs, 1, err)))
			break;
		if (gz_room(out, max, &zs)) {
			rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
			break;
		}
		before = zs.avail_out;
		zrc = inflate(&zs, Z_NO_FLUSH);
		out->len += before - zs.avail_out;
		if (out->len > max) {
			rc = too_big(err, max);
			break;
		}
		if (zrc == Z_STREAM_END) {
			if ((rc = gz_next_member(s, &zs, err)) <= 0)
				break;
			rc = 0;
		} else if (zrc == Z_BUF_ERROR) {
			/* No progress: for want of room (given next time) or
			 * of input, which may have run out. */
			if (zs.avail_out && gz_at_end(s, &zs)) {
				rc = hd_fail(err, HD_ERR_FORMAT,
					     "truncated gzip data (unexpected end of file)");
				break;
			}
		} else if (zrc != Z_OK) {
			rc = gz_error(zrc, &zs, err);
			break;
		}
	}
done:
	inflateEnd(&zs);
	if (rc) {
		hd_buf_release(out);
		return rc;
	}
	out->data[out->len] = '\0';
	return 0;
}

static int inflate_all(const unsigned char *in, size_t len, uint64_t max,
		       struct hd_buf *spare, struct hd_buf *out, struct hd_error *err)
{
	struct gz_src src;
	size_t hint;

#ifdef HD_HAVE_LIBDEFLATE
	if (inflate_whole(in, len, max, spare, out) == 0)
		return 0;
#else
	(void)spare;
#endif
	/* ISIZE (the last member's size mod 2^32) is a fair first guess;
	 * it is untrusted, so it only sizes the first allocation, and
	 * deflate expands at most 1032:1, so a bigger ISIZE (a truncated or
	 * hostile file) does not count. */
	hint = gzip_isize(in, len);
	if (hint < len)
		hint = len * 4;
	if (hint / 1032 > len)
		hint = len * 1032;
	if (hint > max)
		hint = (size_t)max;
	if (hint > (size_t)256 << 20)
		hint = (size_t)256 << 20;
	memset(&src, 0, sizeof(src));
	src.buf = in;
	src.len = len;
	return gz_inflate(&src, max, hint, out, err);
}

int hd_load_mem(const unsigned char *data, size_t len, uint64_t max_size,
		struct hd_buf *out, struct hd_error *err)
{
	if (!max_size)
		max_size = HD_DEFAULT_MAX_SIZE;
	if (is_gzip(data, len))
		return inflate_all(data, len, max_size, NULL, out, err);
	if (len > max_size)
		return too_big(err, max_size);
	hd_buf_init(out, 0);
	if (hd_buf_append(out, data, len)) {
		hd_buf_release(out);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/* Read all of fd; at most max + 1 bytes of a raw file are kept, but a gzip
 * file is read whole (its compressed size is not what the cap limits). */
static int read_all(int fd, uint64_t max, struct hd_buf *raw,
		    struct hd_error *err)
{
	struct stat st;
	size_t want = raw->len + (1 << 16);

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < max)
		want = (size_t)st.st_size + 1;
	if (HD_GROW(raw->data, raw->cap, want)) {
		hd_buf_release(raw);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n;

		if (raw->len == raw->cap &&
		    HD_GROW(raw->data, raw->cap, raw->cap + 1)) {
			hd_buf_release(raw);
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		}
		n = read(fd, raw->data + raw->len, raw->cap - raw->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hd_buf_release(raw);
			return hd_fail(err, HD_ERR_IO, "%s", hd_strerror(errno));
		}
		if (n == 0)
			break;
		raw->len += (size_t)n;
		/* A raw profile past the cap is refused without reading it all;
		 * 1 KiB of slack covers a gzip header being mistaken for raw. */
		if (raw->len > 2 && !is_gzip((unsigned char *)raw->data, raw->len) &&
		    raw->len > max) {
			hd_buf_release(raw);
			return too_big(err, max);
		}
	}
	return 0;
}

/*
 * A descriptor that is not a regular file (standard input, a pipe): a
 * gzip is inflated as it streams in, under the cap, so `heapdiff top -
 * --max-size 1MiB < bomb.gz` stops at a megabyte; raw bytes are read
 * under the cap too.
 */
static int load_stream(int fd, uint64_t max, struct hd_buf *out, struct hd_error *err)
{
	struct gz_src src;
	int rc;

	memset(&src, 0, sizeof(src));
	src.fd = fd;
	src.win = malloc(GZ_WINDOW);
	if (!src.win)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	/* Compressed bytes never exceed the inflated ones by much; a stream
	 * of empty members would, so their total is capped as well. */
	src.read_cap = max + (max >> 4) + ((uint64_t)1 << 20);
	{
		z_stream peek;

		memset(&peek, 0, sizeof(peek));
		if ((rc = gz_fill(&src, &peek, 2, err))) {
			free(src.win);
			return rc;
		}
	}
	if (is_gzip(src.win, src.wlen)) {
		rc = gz_inflate(&src, max, GZ_WINDOW * 4, out, err);
		free(src.win);
		return rc;
	}
	hd_buf_init(out, 0);
	rc = hd_buf_append(out, src.win, src.wlen);
	free(src.win);
	if (rc)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	if (out->len > max) {
		hd_buf_release(out);
		return too_big(err, max);
	}
	return src.eof ? 0 : read_all(fd, max, out, err);
}

/* hd_load_file, inflating into *spare (NULL: none) when it fits (then
 * *spare is emptied); else *spare is left to the caller. */
static int load_file(const char *path, uint64_t max_size, struct hd_buf *spare,
		     struct hd_buf *out, struct hd_error *err)
{
	struct hd_buf raw;
	struct stat st;
	int fd, rc;

	if (!max_size)
		max_size = HD_DEFAULT_MAX_SIZE;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return hd_fail(err, HD_ERR_IO, "%s", hd_strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = hd_fail(err, HD_ERR_IO, "%s", hd_strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		rc = hd_fail(err, HD_ERR_IO, "is a directory");
	} else if (!S_ISREG(st.st_mode)) {
		rc = load_stream(fd, max_size, out, err);
		if (!rc && out->len == 0) {
			hd_buf_release(out);
			rc = hd_fail(err, HD_ERR_FORMAT, "empty file");
		}
	} else if (st.st_size >= 2 && (uint64_t)st.st_size < SIZE_MAX) {
		/* A regular gzip file is inflated straight from a read-only
		 * mapping: no copy, and no anonymous memory to fault in. */
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		rc = 1;
		if (map != MAP_FAILED) {
			if (is_gzip(map, (size_t)st.st_size))
				rc = inflate_all(map, (size_t)st.st_size, max_size, spare, out, err);
			munmap(map, (size_t)st.st_size);
		}
	} else {
		rc = 1;
	}
	if (rc == 1) {
		hd_buf_init(&raw, 0);
		rc = read_all(fd, max_size, &raw, err);
		if (!rc && raw.len == 0) {
			hd_buf_release(&raw);
			rc = hd_fail(err, HD_ERR_FORMAT, "empty file");
		} else if (!rc && is_gzip((unsigned char *)raw.data, raw.len)) {
			/* Changed under us since the mapping: inflate the copy. */
			rc = inflate_all((unsigned char *)raw.data, raw.len, max_size, NULL, out, err);
			hd_buf_release(&raw);
		} else if (!rc) {
			*out = raw; /* raw protobuf: hand over the buffer itself */
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

int hd_load_file(const char *path, uint64_t max_size, struct hd_buf *out,
		 struct hd_error *err)
{
	return load_file(path, max_size, NULL, out, err);
}

/* ---- decoders ---- */

/* Tried in order; the first whose sniff says yes decodes.  pprof takes
 * whatever is left, so it stays last. */
static const struct hd_decoder *const decoders[] = {
	&hd_decoder_gperf,  /* before gotext: its header, and a memory map */
	&hd_decoder_jemalloc,
	&hd_decoder_hprof, /* Java heap dumps: before wrong-file, which names them */
	&hd_decoder_gotext,
	&hd_decoder_wrong_file, /* after every text format: it names the rest */
	&hd_decoder_pprof,
};

/* Decode data[0..len), which the profile owns from now on (even on
 * error): malloc'd (cap bytes), or a read-only mapping of mapped bytes. */
static int decode_owned(unsigned char *data, size_t len, size_t cap, size_t mapped,
			const struct hd_limits *lim, struct hd_profile **out,
			struct hd_error *err)
{
	struct hd_profile *p;
	size_t i;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		if (mapped)
			munmap(data, mapped);
		else
			free(data);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	hd_arena_init(&p->arena);
	p->data = data;
	p->len = len;
	p->cap = mapped ? 0 : cap;
	p->mapped = mapped;
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (decoders[i]->sniff(data, len))
			break;
	if (i == sizeof(decoders) / sizeof(decoders[0])) {
		hd_profile_free(p);
		return hd_fail(err, HD_ERR_FORMAT, "not a profile heapdiff can read");
	}
	p->decoder = decoders[i];
	rc = p->decoder->decode(p, lim, err);
	if (rc) {
		hd_profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int hd_profile_parse(const unsigned char *data, size_t len,
		     const struct hd_limits *lim, struct hd_profile **out,
		     struct hd_error *err)
{
	unsigned char *copy = malloc(len + 1);
	int rc;

	*out = NULL;
	if (!copy)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	rc = decode_owned(copy, len, len + 1, 0, lim, out, err);
	if (!rc && (rc = hd_profile_check(*out, err))) {
		hd_profile_free(*out);
		*out = NULL;
	}
	return rc;
}

int hd_profile_load_mem(const void *data, size_t len, int64_t when,
			const struct hd_limits *lim, struct hd_profile **out,
			struct hd_error *err)
{
	struct hd_buf buf;
	int rc;

	*out = NULL;
	if (len == 0)
		return hd_fail(err, HD_ERR_FORMAT, "empty file");
	rc = hd_load_mem(data, len, lim ? lim->max_size : 0, &buf, err);
	if (rc)
		return rc;
	rc = decode_owned((unsigned char *)buf.data, buf.len, buf.cap, 0, lim, out, err);
	if (!rc && (*out)->time_nanos == 0)
		(*out)->time_nanos = when;
	return rc;
}

/* A URL: fetched whole (fetch.c caps it as it streams in), then decoded
 * as a file's bytes; a profile without a time stamp (Go's text format)
 * gets the request's, so that trend orders URLs by when they were read. */
static int load_url(const char *url, const struct hd_limits *lim,
		    struct hd_profile **out, struct hd_error *err)
{
	struct hd_buf body;
	int64_t when = 0;
	int rc;

	rc = hd_fetch(url, lim, &body, &when, err);
	if (rc)
		return rc;
	rc = hd_profile_load_mem(body.data, body.len, when, lim, out, err);
	hd_buf_release(&body);
	return rc;
}

/*
 * An uncompressed Java heap dump in a regular file within the cap is
 * decoded from a read-only mapping, not a copy: hprof.c reads it in a few
 * passes and gives the pages behind it back (madvise), so a
 * dump of gigabytes never has all of itself resident.  1 when the file is
 * not one (the caller reads it as any other), else decode_owned's result.
 */
static int load_mapped(const char *path, const struct hd_limits *lim,
		       struct hd_profile **out, struct hd_error *err)
{
	uint64_t max = lim && lim->max_size ? lim->max_size : HD_DEFAULT_MAX_SIZE;
	struct stat st;
	void *map;
	int fd;

	/* stat() first: a named pipe opened here and closed unread would
	 * lose its writer, and load_file's open would wait for another. */
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 32 ||
	    (uint64_t)st.st_size > max || (uint64_t)st.st_size >= SIZE_MAX) {
		close(fd);
		return 1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return 1;
	if (!hd_decoder_hprof.sniff(map, (size_t)st.st_size)) {
		munmap(map, (size_t)st.st_size);
		return 1;
	}
	return decode_owned(map, (size_t)st.st_size, 0, (size_t)st.st_size, lim, out, err);
}

int hd_profile_load_reuse(const char *path, const struct hd_limits *lim,
			  struct hd_buf *spare, struct hd_profile **out,
			  struct hd_error *err)
{
	struct hd_buf buf;
	int rc;

	*out = NULL;
	if (hd_is_url(path))
		rc = load_url(path, lim, out, err);
	else if ((rc = load_mapped(path, lim, out, err)) == 1 &&
		 !(rc = load_file(path, lim ? lim->max_size : 0, spare, &buf, err)))
		rc = decode_owned((unsigned char *)buf.data, buf.len, buf.cap, 0, lim, out, err);
	if (spare)
		hd_buf_release(spare);
	return rc;
}

int hd_profile_load(const char *path, const struct hd_limits *lim,
		    struct hd_profile **out, struct hd_error *err)
{
	return hd_profile_load_reuse(path, lim, NULL, out, err);
}

void hd_profile_free_keep(struct hd_profile *p, struct hd_buf *spare)
{
	hd_buf_init(spare, 0);
	if (p && !p->mapped && p->data) {
		spare->data = (char *)p->data;
		spare->cap = p->cap;
		p->data = NULL;
	}
	hd_profile_free(p);
}

void hd_profile_free(struct hd_profile *p)
{
	if (!p)
		return;
	if (p->decoder && p->decoder->release)
		p->decoder->release(p);
	hd_arena_release(&p->arena);
	if (p->mapped)
		munmap(p->data, p->mapped);
	else
		free(p->data);
	free(p);
}
