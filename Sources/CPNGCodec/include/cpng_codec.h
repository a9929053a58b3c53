/*
 * cpng_codec.h - a tiny C wrapper over libpng's classic API for DMMSynth's MediaIO.
 *
 * Why this exists: libpng reports errors with setjmp/longjmp. A longjmp that crosses Swift
 * frames is undefined behaviour, so every libpng call lives in this C target, each public
 * function does its own setjmp, and errors come back as a return code plus a message copied
 * into a caller-owned buffer. Nothing here ever unwinds into the caller.
 *
 * Conventions:
 *  - Every function returns 0 on success and non-zero on failure.
 *  - On failure, a NUL-terminated one-line message is written to `err` (truncated to
 *    `errlen` bytes; `err` may be NULL when `errlen` is 0).
 *  - Buffers handed out by this library are malloc'd and must be released with cpng_free.
 *  - Functions are thread safe with respect to each other: each call owns its png_struct.
 *
 * This header deliberately does not include <png.h>, so importers only see these names.
 */
#ifndef CPNG_CODEC_H
#define CPNG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Row-filter selection bits, numerically identical to libpng's PNG_FILTER_* (checked at
 * compile time in cpng_codec.c). They are `static const int` rather than macros because
 * libpng's own constants are macros built from other macros, which Swift does not import.
 * OR several together to let libpng choose per row (adaptive filtering, slower).
 */
static const int CPNG_FILTER_NONE = 0x08;
static const int CPNG_FILTER_SUB = 0x10;
static const int CPNG_FILTER_UP = 0x20;
static const int CPNG_FILTER_AVG = 0x40;
static const int CPNG_FILTER_PAETH = 0x80;
static const int CPNG_ALL_FILTERS = 0x08 | 0x10 | 0x20 | 0x40 | 0x80;

/* Largest width or height accepted by the encoder and decoder (libpng's default limit). */
static const uint32_t CPNG_MAX_DIMENSION = 1000000;

/*
 * Encodes 8-bit interleaved pixels (channels = 3 for RGB, 4 for RGBA; rows top to bottom,
 * no padding) as a non-interlaced PNG written straight to `path`.
 * level: zlib level 0-9. filters: CPNG_FILTER_* bitmask (0 means CPNG_FILTER_NONE).
 * On failure the partially written file is removed. Not atomic: callers that need atomic
 * replacement should use cpng_encode_rgb_mem and rename a temporary file themselves.
 */
int cpng_write_rgb(const char *path, const uint8_t *rgb, uint32_t width, uint32_t height,
                   int channels, int level, int filters, char *err, size_t errlen);

/*
 * Same encoding as cpng_write_rgb, but into memory: on success *out_png receives a malloc'd
 * buffer of *out_len bytes holding the whole PNG file (release it with cpng_free). This lets
 * callers encode many frames in parallel and write each file atomically themselves.
 * On failure *out_png is NULL and *out_len is 0.
 */
int cpng_encode_rgb_mem(const uint8_t *rgb, uint32_t width, uint32_t height, int channels,
                        int level, int filters, uint8_t **out_png, size_t *out_len,
                        char *err, size_t errlen);

/*
 * Reads any PNG (palette, grayscale, 1/2/4/8/16-bit, with or without alpha or tRNS,
 * interlaced or not) and converts it to 8-bit RGB: palettes are expanded, gray is replicated
 * into R, G and B, 16-bit samples are scaled (rounded) to 8 bits, and alpha is STRIPPED (the
 * stored colour values are kept as-is, not composited). Gamma and colour-profile chunks are
 * ignored. On success *out_rgb receives a malloc'd width*height*3 buffer (rows top to bottom;
 * release with cpng_free), and *channels_out is always 3.
 */
int cpng_read(const char *path, uint8_t **out_rgb, uint32_t *width, uint32_t *height,
              int *channels_out, char *err, size_t errlen);

/* cpng_read for a PNG file already in memory (`png`, `len` bytes). Same output contract. */
int cpng_decode_mem(const uint8_t *png, size_t len, uint8_t **out_rgb, uint32_t *width,
                    uint32_t *height, int *channels_out, char *err, size_t errlen);

/* Releases a buffer returned by this library. NULL is ignored. */
void cpng_free(void *buffer);

/* The libpng version string this library was compiled against, for diagnostics. */
const char *cpng_libpng_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CPNG_CODEC_H */
