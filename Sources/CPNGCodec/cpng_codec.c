/*
 * cpng_codec.c - see include/cpng_codec.h for the contract.
 *
 * Every libpng call happens below a setjmp owned by the same function, so libpng's longjmp on
 * error lands here and never crosses into Swift. Locals that are assigned after setjmp and read
 * in the error branch are volatile-qualified, as C requires for values that survive a longjmp.
 */
#include "cpng_codec.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(0x08 == PNG_FILTER_NONE, "CPNG_FILTER_NONE mismatch");
_Static_assert(0x10 == PNG_FILTER_SUB, "CPNG_FILTER_SUB mismatch");
_Static_assert(0x20 == PNG_FILTER_UP, "CPNG_FILTER_UP mismatch");
_Static_assert(0x40 == PNG_FILTER_AVG, "CPNG_FILTER_AVG mismatch");
_Static_assert(0x80 == PNG_FILTER_PAETH, "CPNG_FILTER_PAETH mismatch");
_Static_assert((0x08 | 0x10 | 0x20 | 0x40 | 0x80) == PNG_ALL_FILTERS, "CPNG_ALL_FILTERS mismatch");

/* Size of libpng's zlib output buffer: large buffers mean fewer IDAT chunks (less overhead). */
#define CPNG_ZBUF_SIZE (256u * 1024u)

/* ------------------------------------------------------------------------------------------ */
/* Error plumbing                                                                              */

typedef struct {
    char *err;
    size_t errlen;
} cpng_errctx;

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* Keep it one line: libpng messages never contain newlines, but be defensive. */
    for (char *p = err; *p; p++) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
}

static void clear_err(char *err, size_t errlen) {
    if (err != NULL && errlen > 0) err[0] = '\0';
}

/* libpng error callback: record the message, then jump back to the owning function's setjmp. */
static void cpng_error_fn(png_structp png, png_const_charp msg) {
    cpng_errctx *ctx = (cpng_errctx *)png_get_error_ptr(png);
    if (ctx != NULL) set_err(ctx->err, ctx->errlen, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

/* Warnings (e.g. odd iCCP profiles) are not actionable for callers and must not hit stderr. */
static void cpng_warning_fn(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

/* ------------------------------------------------------------------------------------------ */
/* I/O callbacks                                                                               */

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} cpng_membuf;

static void mem_write(png_structp png, png_bytep data, size_t len) {
    cpng_membuf *m = (cpng_membuf *)png_get_io_ptr(png);
    if (len > m->cap - m->len) {
        size_t need = m->len + len;
        if (need < m->len) png_error(png, "PNG too large for memory buffer");
        size_t cap = m->cap ? m->cap : 64u * 1024u;
        while (cap < need) {
            if (cap > SIZE_MAX / 2) { cap = need; break; }
            cap *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(m->data, cap);
        if (grown == NULL) png_error(png, "out of memory growing PNG output buffer");
        m->data = grown;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, len);
    m->len += len;
}

static void mem_flush(png_structp png) { (void)png; }

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
} cpng_memreader;

static void mem_read(png_structp png, png_bytep out, size_t len) {
    cpng_memreader *r = (cpng_memreader *)png_get_io_ptr(png);
    if (len > r->len - r->pos) png_error(png, "unexpected end of data (truncated PNG)");
    memcpy(out, r->data + r->pos, len);
    r->pos += len;
}

static void file_read(png_structp png, png_bytep out, size_t len) {
    FILE *fp = (FILE *)png_get_io_ptr(png);
    size_t got = fread(out, 1, len, fp);
    if (got != len) {
        if (ferror(fp)) png_error(png, "read error");
        png_error(png, "unexpected end of file (truncated PNG)");
    }
}

static void file_write(png_structp png, png_bytep data, size_t len) {
    FILE *fp = (FILE *)png_get_io_ptr(png);
    if (fwrite(data, 1, len, fp) != len) png_error(png, "write error (disk full?)");
}

static void file_flush(png_structp png) { (void)png; }

/* ------------------------------------------------------------------------------------------ */
/* Encoding                                                                                    */

static int validate_encode_args(const uint8_t *rgb, uint32_t width, uint32_t height, int channels,
                                int level, int filters, char *err, size_t errlen) {
    if (rgb == NULL) { set_err(err, errlen, "no pixel data"); return 1; }
    if (width == 0 || height == 0 || width > CPNG_MAX_DIMENSION || height > CPNG_MAX_DIMENSION) {
        set_err(err, errlen, "invalid image size %ux%u (each side must be 1...%u)",
                (unsigned)width, (unsigned)height, (unsigned)CPNG_MAX_DIMENSION);
        return 1;
    }
    if (channels != 3 && channels != 4) {
        set_err(err, errlen, "invalid channel count %d (expected 3 or 4)", channels);
        return 1;
    }
    if (level < 0 || level > 9) {
        set_err(err, errlen, "invalid compression level %d (expected 0...9)", level);
        return 1;
    }
    if ((filters & ~PNG_ALL_FILTERS) != 0) {
        set_err(err, errlen, "invalid filter mask 0x%x", (unsigned)filters);
        return 1;
    }
    return 0;
}

/* Encodes to `fp` when non-NULL, else into `mem`. Owns the setjmp for the whole encode. */
static int encode_png(FILE *fp, cpng_membuf *mem, const uint8_t *rgb, uint32_t width,
                      uint32_t height, int channels, int level, int filters,
                      char *err, size_t errlen) {
    cpng_errctx ctx = { err, errlen };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, cpng_error_fn,
                                              cpng_warning_fn);
    if (png == NULL) { set_err(err, errlen, "out of memory creating PNG writer"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        set_err(err, errlen, "out of memory creating PNG info");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    if (fp != NULL) {
        png_set_write_fn(png, fp, file_write, file_flush);
    } else {
        png_set_write_fn(png, mem, mem_write, mem_flush);
    }
    png_set_IHDR(png, info, width, height, 8,
                 channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters == 0 ? PNG_FILTER_NONE : filters);
    png_set_compression_buffer_size(png, CPNG_ZBUF_SIZE);
    png_write_info(png, info);
    const size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(rgb + (size_t)y * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int cpng_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                   int channels, int level, int filters, char *err, size_t errlen) {
    clear_err(err, errlen);
    if (path == NULL) { set_err(err, errlen, "no output path"); return 1; }
    if (validate_encode_args(rgb, width, height, channels, level, filters, err, errlen)) return 1;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        set_err(err, errlen, "cannot create file: %s", strerror(errno));
        return 1;
    }
    int rc = encode_png(fp, NULL, rgb, width, height, channels, level, filters, err, errlen);
    if (fclose(fp) != 0 && rc == 0) {
        set_err(err, errlen, "cannot finish writing file: %s", strerror(errno));
        rc = 1;
    }
    if (rc != 0) remove(path);
    return rc;
}

int cpng_encode_rgb_mem(const uint8_t *rgb, uint32_t width, uint32_t height, int channels,
                        int level, int filters, uint8_t **out_png, size_t *out_len,
                        char *err, size_t errlen) {
    clear_err(err, errlen);
    if (out_png == NULL || out_len == NULL) { set_err(err, errlen, "no output buffer"); return 1; }
    *out_png = NULL;
    *out_len = 0;
    if (validate_encode_args(rgb, width, height, channels, level, filters, err, errlen)) return 1;
    /* A generous first guess avoids most reallocations for typical smooth frames. */
    cpng_membuf mem = { NULL, 0, 0 };
    size_t raw = (size_t)width * height * (size_t)channels;
    mem.cap = raw / 4 + 4096;
    mem.data = (uint8_t *)malloc(mem.cap);
    if (mem.data == NULL) { set_err(err, errlen, "out of memory"); return 1; }
    int rc = encode_png(NULL, &mem, rgb, width, height, channels, level, filters, err, errlen);
    if (rc != 0) {
        free(mem.data);
        return rc;
    }
    *out_png = mem.data;
    *out_len = mem.len;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Decoding                                                                                    */

/* Decodes from `fp` (positioned just after the 8 signature bytes) or from `mem` (likewise). */
static int decode_png(FILE *fp, cpng_memreader *mem, uint8_t **out_rgb, uint32_t *out_w,
                      uint32_t *out_h, int *channels_out, char *err, size_t errlen) {
    cpng_errctx ctx = { err, errlen };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, cpng_error_fn,
                                             cpng_warning_fn);
    if (png == NULL) { set_err(err, errlen, "out of memory creating PNG reader"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_err(err, errlen, "out of memory creating PNG info");
        return 1;
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    if (fp != NULL) {
        png_set_read_fn(png, fp, file_read);
    } else {
        png_set_read_fn(png, mem, mem_read);
    }
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, CPNG_MAX_DIMENSION, CPNG_MAX_DIMENSION);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bit_depth == 16) {
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
        png_set_scale_16(png);
#else
        png_set_strip_16(png);
#endif
    }
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    /* Palette expansion also turns tRNS into alpha; strip whatever alpha results. */
    png_set_strip_alpha(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
        rowbytes != (size_t)width * 3) {
        png_error(png, "unsupported PNG layout after conversion to 8-bit RGB");
    }
    if (height != 0 && rowbytes > SIZE_MAX / height) png_error(png, "image too large");
    pixels = (uint8_t *)malloc(rowbytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) png_error(png, "out of memory for decoded image");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *out_rgb = pixels;
    *out_w = width;
    *out_h = height;
    *channels_out = 3;
    return 0;
}

static int check_outputs(uint8_t **out_rgb, uint32_t *w, uint32_t *h, int *channels_out,
                         char *err, size_t errlen) {
    if (out_rgb == NULL || w == NULL || h == NULL || channels_out == NULL) {
        set_err(err, errlen, "missing output parameter");
        return 1;
    }
    *out_rgb = NULL;
    *w = 0;
    *h = 0;
    *channels_out = 0;
    return 0;
}

int cpng_read(const char *path, uint8_t **out_rgb, uint32_t *width, uint32_t *height,
              int *channels_out, char *err, size_t errlen) {
    clear_err(err, errlen);
    if (check_outputs(out_rgb, width, height, channels_out, err, errlen)) return 1;
    if (path == NULL) { set_err(err, errlen, "no input path"); return 1; }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        set_err(err, errlen, "cannot open file: %s", strerror(errno));
        return 1;
    }
    uint8_t sig[8];
    size_t got = fread(sig, 1, sizeof sig, fp);
    if (got != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        int was_error = ferror(fp);
        fclose(fp);
        if (was_error) set_err(err, errlen, "read error");
        else set_err(err, errlen, "not a PNG file (bad signature)");
        return 1;
    }
    int rc = decode_png(fp, NULL, out_rgb, width, height, channels_out, err, errlen);
    fclose(fp);
    return rc;
}

int cpng_decode_mem(const uint8_t *png, size_t len, uint8_t **out_rgb, uint32_t *width,
                    uint32_t *height, int *channels_out, char *err, size_t errlen) {
    clear_err(err, errlen);
    if (check_outputs(out_rgb, width, height, channels_out, err, errlen)) return 1;
    if (png == NULL || len < 8 || png_sig_cmp(png, 0, 8) != 0) {
        set_err(err, errlen, "not PNG data (bad signature)");
        return 1;
    }
    cpng_memreader reader = { png, len, 8 };
    return decode_png(NULL, &reader, out_rgb, width, height, channels_out, err, errlen);
}

void cpng_free(void *buffer) { free(buffer); }

const char *cpng_libpng_version(void) { return PNG_LIBPNG_VER_STRING; }
