/*
 * The N-API face of the native kernels: compute(re, im, maxiter, out, offset, rowStride,
 * prune, isa?) writes counts straight into `out` (which may live on a SharedArrayBuffer)
 * and returns the z updates performed. Arguments are checked here, so a bad call throws a
 * JavaScript error instead of touching memory out of bounds.
 */
#include <node_api.h>
#include <string.h>
#include "kernels.h"
#include "perturb.h"
#include "bitmap.h"
#include "cancel.h"
#include "orbit.h"
#include "bla.h"

_Thread_local const volatile int32_t *mandel_cancel_flag = NULL;

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, "ERR_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static int typed_array(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == want;
}

/* The optional cancel flag: undefined or null, or an Int32Array of at least one element. */
static int cancel_flag(napi_env env, napi_value value, const volatile int32_t **flag) {
  napi_valuetype type;
  *flag = NULL;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type == napi_undefined || type == napi_null) return 1;
  int32_t *data;
  size_t length;
  if (!typed_array(env, value, napi_int32_array, (void **)&data, &length) || length < 1) return 0;
  *flag = data;
  return 1;
}

/* The optional smooth output: undefined or null, or a Float32Array indexed as out (as long at least). */
static int smooth_array(napi_env env, napi_value value, size_t out_length, float **smooth) {
  napi_valuetype type;
  size_t length;
  *smooth = NULL;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type == napi_undefined || type == napi_null) return 1;
  return typed_array(env, value, napi_float32_array, (void **)smooth, &length) && length >= out_length;
}

static int integer(napi_env env, napi_value value, double *out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return 0;
  return *out == (double)(long long)*out;
}

static napi_value compute(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "compute(re, im, maxiter, out, offset, rowStride, prune[, isa[, cancel[, smooth]]])");
    return NULL;
  }
  double *re, *im;
  int32_t *out;
  size_t cols, rows, out_length;
  double maxiter, offset, row_stride;
  bool prune = false;
  if (!typed_array(env, argv[0], napi_float64_array, (void **)&re, &cols) ||
      !typed_array(env, argv[1], napi_float64_array, (void **)&im, &rows)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "re and im must be Float64Arrays");
    return NULL;
  }
  if (!typed_array(env, argv[3], napi_int32_array, (void **)&out, &out_length)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "out must be an Int32Array");
    return NULL;
  }
  if (!integer(env, argv[2], &maxiter) || maxiter < 1 || maxiter > 2147483647.0 || !integer(env, argv[4], &offset) ||
      !integer(env, argv[5], &row_stride) || napi_get_value_bool(env, argv[6], &prune) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "maxiter, offset and rowStride must be integers (maxiter >= 1), prune a boolean");
    return NULL;
  }
  if (rows > 0 && cols > 0) {
    double last = offset + (double)(rows - 1) * row_stride + (double)cols;
    if (offset < 0 || row_stride < (double)cols || last > (double)out_length) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the chunk does not fit in out at this offset and rowStride");
      return NULL;
    }
  }
  const mandel_isa *isa = mandel_best_isa();
  if (argc >= 8) {
    napi_valuetype type;
    CHECK(napi_typeof(env, argv[7], &type));
    if (type == napi_string) {
      char name[16];
      size_t length;
      CHECK(napi_get_value_string_utf8(env, argv[7], name, sizeof name, &length));
      isa = NULL;
      for (int i = 0; i < mandel_isa_count; i++) {
        if (strcmp(mandel_isas[i].name, name) == 0 && mandel_isa_supported(&mandel_isas[i])) isa = &mandel_isas[i];
      }
      if (!isa) {
        napi_throw_error(env, "ERR_UNSUPPORTED_ISA", "this CPU or build has no such instruction set");
        return NULL;
      }
    }
  }
  const volatile int32_t *cancel = NULL;
  if (argc >= 9 && !cancel_flag(env, argv[8], &cancel)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "cancel must be an Int32Array of at least one element");
    return NULL;
  }
  float *smooth = NULL;
  if (argc >= 10 && !smooth_array(env, argv[9], out_length, &smooth)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "smooth must be a Float32Array as long as out");
    return NULL;
  }
  double iterations = 0;
  if (rows > 0 && cols > 0) {
    mandel_cancel_flag = cancel;
    iterations = isa->fn(re, (int)cols, im, (int)rows, (int)maxiter, out, (ptrdiff_t)offset, (ptrdiff_t)row_stride, prune, smooth);
    mandel_cancel_flag = NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, iterations, &result));
  return result;
}

static int element(napi_env env, napi_value array, uint32_t index, napi_value *out) {
  bool is_array = false;
  return napi_is_array(env, array, &is_array) == napi_ok && is_array && napi_get_element(env, array, index, out) == napi_ok;
}

#define ARG_ERROR(message)                                   \
  do {                                                       \
    napi_throw_type_error(env, "ERR_INVALID_ARG", message); \
    return NULL;                                             \
  } while (0)

/*
 * perturb(re, im, maxiter, out, offset, rowStride, zr, zi, length, exponent, ext, series):
 * a deep chunk by perturbation. ext is null or [mr, mi, exponent] (Float64, Float64, Int32
 * arrays of at least `length`); series is null or [ar, ai, ae, logMax, limit] (arrays of at
 * least limit + 1). Every length is checked before any memory is read.
 */
static napi_value perturb(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 13)
    ARG_ERROR("perturb(re, im, maxiter, out, offset, rowStride, zr, zi, length, exponent, ext, series, bla[, isa[, cancel[, smooth]]])");
  double *re, *im, *zr, *zi;
  int32_t *out;
  size_t cols, rows, out_length, zr_length, zi_length;
  double maxiter, offset, row_stride, length, exponent;
  if (!typed_array(env, argv[0], napi_float64_array, (void **)&re, &cols) ||
      !typed_array(env, argv[1], napi_float64_array, (void **)&im, &rows) ||
      !typed_array(env, argv[6], napi_float64_array, (void **)&zr, &zr_length) ||
      !typed_array(env, argv[7], napi_float64_array, (void **)&zi, &zi_length))
    ARG_ERROR("re, im, zr and zi must be Float64Arrays");
  if (!typed_array(env, argv[3], napi_int32_array, (void **)&out, &out_length)) ARG_ERROR("out must be an Int32Array");
  if (!integer(env, argv[2], &maxiter) || maxiter < 1 || maxiter > 2147483647.0 || !integer(env, argv[4], &offset) ||
      !integer(env, argv[5], &row_stride) || !integer(env, argv[8], &length) || !integer(env, argv[9], &exponent))
    ARG_ERROR("maxiter, offset, rowStride, length and exponent must be integers");
  if (length < 2 || length > (double)zr_length || length > (double)zi_length || length > maxiter + 1 || exponent < -4000 ||
      exponent > 64)
    ARG_ERROR("length must be 2 … maxiter + 1 and fit zr and zi; exponent −4000 … 64");
  if (rows > 0 && cols > 0) {
    double last = offset + (double)(rows - 1) * row_stride + (double)cols;
    if (offset < 0 || row_stride < (double)cols || last > (double)out_length) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the chunk does not fit in out at this offset and rowStride");
      return NULL;
    }
  }
  mandel_reference ref = {zr, zi, (int)length, NULL, NULL, NULL};
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[10], &type));
  if (type != napi_null) {
    napi_value a, b, c;
    size_t la, lb, lc;
    if (!element(env, argv[10], 0, &a) || !element(env, argv[10], 1, &b) || !element(env, argv[10], 2, &c) ||
        !typed_array(env, a, napi_float64_array, (void **)&ref.ext_mr, &la) ||
        !typed_array(env, b, napi_float64_array, (void **)&ref.ext_mi, &lb) ||
        !typed_array(env, c, napi_int32_array, (void **)&ref.ext_e, &lc) || la < (size_t)length || lb < (size_t)length ||
        lc < (size_t)length)
      ARG_ERROR("ext must be null or [mr, mi, exponent] of at least length values");
  }
  mandel_series series;
  int has_series = 0;
  CHECK(napi_typeof(env, argv[11], &type));
  if (type != napi_null) {
    napi_value a, b, c, d, e;
    size_t la, lb, lc, ld;
    double limit;
    if (!element(env, argv[11], 0, &a) || !element(env, argv[11], 1, &b) || !element(env, argv[11], 2, &c) ||
        !element(env, argv[11], 3, &d) || !element(env, argv[11], 4, &e) ||
        !typed_array(env, a, napi_float64_array, (void **)&series.ar, &la) ||
        !typed_array(env, b, napi_float64_array, (void **)&series.ai, &lb) ||
        !typed_array(env, c, napi_int32_array, (void **)&series.ae, &lc) ||
        !typed_array(env, d, napi_float64_array, (void **)&series.log_max, &ld) || !integer(env, e, &limit) || limit < 1 ||
        limit >= length || (double)la < limit + 1 || (double)lb < limit + 1 || (double)lc < limit + 1 || (double)ld < limit + 1)
      ARG_ERROR("series must be null or [ar, ai, ae, logMax, limit] with 1 <= limit < length and limit + 1 values each");
    series.limit = (int)limit;
    has_series = 1;
  }
  /* bla: null or [levels, offsets, counts, ar, ai, br, bi, r2, tail]; every block index is checked
     to fit, and the tail is one radius per reference index. */
  mandel_bla bla;
  int has_bla = 0;
  CHECK(napi_typeof(env, argv[12], &type));
  if (type != napi_null) {
    napi_value items[9];
    size_t lengths[9];
    double levels;
    for (uint32_t i = 0; i < 9; i++)
      if (!element(env, argv[12], i, &items[i])) ARG_ERROR("bla must be null or [levels, offsets, counts, ar, ai, br, bi, r2, tail]");
    if (!integer(env, items[0], &levels) || levels < 1 || levels > 40 ||
        !typed_array(env, items[1], napi_int32_array, (void **)&bla.offsets, &lengths[1]) ||
        !typed_array(env, items[2], napi_int32_array, (void **)&bla.counts, &lengths[2]) ||
        !typed_array(env, items[3], napi_float64_array, (void **)&bla.ar, &lengths[3]) ||
        !typed_array(env, items[4], napi_float64_array, (void **)&bla.ai, &lengths[4]) ||
        !typed_array(env, items[5], napi_float64_array, (void **)&bla.br, &lengths[5]) ||
        !typed_array(env, items[6], napi_float64_array, (void **)&bla.bi, &lengths[6]) ||
        !typed_array(env, items[7], napi_float64_array, (void **)&bla.r2, &lengths[7]) ||
        !typed_array(env, items[8], napi_float64_array, (void **)&bla.tail, &lengths[8]) || lengths[1] < (size_t)levels ||
        lengths[2] < (size_t)levels)
      ARG_ERROR("bla must be [levels, offsets (Int32), counts (Int32), ar, ai, br, bi, r2, tail (Float64)]");
    if (lengths[8] != (size_t)length) ARG_ERROR("bla: the tail must have one radius per reference index");
    bla.levels = (int)levels;
    bla.tail_length = (int)lengths[8];
    size_t smallest = lengths[3];
    for (int i = 4; i < 8; i++) smallest = lengths[i] < smallest ? lengths[i] : smallest;
    for (int l = 0; l < bla.levels; l++) {
      if (bla.offsets[l] < 0 || bla.counts[l] < 0 || (size_t)bla.offsets[l] + (size_t)bla.counts[l] > smallest)
        ARG_ERROR("bla: a level reaches past its arrays");
      /* A block from m = 1 + j·2^l ends at m + 2^l, which must be a stored index. */
      if (bla.counts[l] > 0 && (double)bla.counts[l] * (double)(1 << l) + 1 > length - 1 + 1e-9)
        ARG_ERROR("bla: a level's blocks reach past the reference orbit");
    }
    has_bla = 1;
  }
  char isa[16] = "";
  if (argc >= 14) {
    CHECK(napi_typeof(env, argv[13], &type));
    size_t isa_length;
    if (type != napi_string || napi_get_value_string_utf8(env, argv[13], isa, sizeof isa, &isa_length) != napi_ok ||
        (strcmp(isa, "avx512") && strcmp(isa, "avx2") && strcmp(isa, "sse2") && strcmp(isa, "scalar")))
      ARG_ERROR("isa must be avx512, avx2, sse2 or scalar");
  }
  const volatile int32_t *cancel = NULL;
  if (argc >= 15 && !cancel_flag(env, argv[14], &cancel)) ARG_ERROR("cancel must be an Int32Array of at least one element");
  float *smooth = NULL;
  if (argc >= 16 && !smooth_array(env, argv[15], out_length, &smooth)) ARG_ERROR("smooth must be a Float32Array as long as out");
  double updates = 0;
  if (rows > 0 && cols > 0) {
    mandel_cancel_flag = cancel;
    updates = mandel_perturb(re, (int)cols, im, (int)rows, (int)maxiter, out, (ptrdiff_t)offset, (ptrdiff_t)row_stride, &ref,
                             (int)exponent, has_series ? &series : NULL, has_bla ? &bla : NULL, isa[0] ? isa : NULL, smooth);
    mandel_cancel_flag = NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, updates, &result));
  return result;
}

/*
 * bitmap(re, im, maxiter, out, offset, rowBytes, prune, vector): membership bits of the chunk
 * (native/bitmap.c) into the Uint8Array `out`, row r's first byte at offset + r·rowBytes.
 */
static napi_value bitmap(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) ARG_ERROR("bitmap(re, im, maxiter, out, offset, rowBytes, prune, vector)");
  double *re, *im;
  uint8_t *out;
  size_t cols, rows, out_length;
  double maxiter, offset, row_bytes;
  bool prune = false, vector = false;
  if (!typed_array(env, argv[0], napi_float64_array, (void **)&re, &cols) ||
      !typed_array(env, argv[1], napi_float64_array, (void **)&im, &rows))
    ARG_ERROR("re and im must be Float64Arrays");
  if (!typed_array(env, argv[3], napi_uint8_array, (void **)&out, &out_length)) ARG_ERROR("out must be a Uint8Array");
  if (!integer(env, argv[2], &maxiter) || maxiter < 1 || maxiter > 2147483647.0 || !integer(env, argv[4], &offset) ||
      !integer(env, argv[5], &row_bytes) || napi_get_value_bool(env, argv[6], &prune) != napi_ok ||
      napi_get_value_bool(env, argv[7], &vector) != napi_ok)
    ARG_ERROR("maxiter, offset and rowBytes must be integers (maxiter >= 1), prune and vector booleans");
  if (rows > 0 && cols > 0) {
    const double width = (double)((cols + 7) / 8);
    if (offset < 0 || row_bytes < width || offset + (double)(rows - 1) * row_bytes + width > (double)out_length) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the chunk's rows do not fit in out at this offset and rowBytes");
      return NULL;
    }
  }
  double updates = 0;
  if (rows > 0 && cols > 0)
    updates = mandel_bitmap(re, (int)cols, im, (int)rows, (int)maxiter, out, (ptrdiff_t)offset, (ptrdiff_t)row_bytes, prune, vector);
  napi_value result;
  CHECK(napi_create_double(env, updates, &result));
  return result;
}

/* [{ name, lanes, vectors, supported }], widest first. */
static napi_value isas(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value list;
  CHECK(napi_create_array_with_length(env, mandel_isa_count, &list));
  for (int i = 0; i < mandel_isa_count; i++) {
    napi_value item, name, lanes, vectors, supported;
    CHECK(napi_create_object(env, &item));
    CHECK(napi_create_string_utf8(env, mandel_isas[i].name, NAPI_AUTO_LENGTH, &name));
    CHECK(napi_create_int32(env, mandel_isas[i].lanes, &lanes));
    CHECK(napi_create_int32(env, mandel_isas[i].vectors, &vectors));
    CHECK(napi_get_boolean(env, mandel_isa_supported(&mandel_isas[i]), &supported));
    CHECK(napi_set_named_property(env, item, "name", name));
    CHECK(napi_set_named_property(env, item, "lanes", lanes));
    CHECK(napi_set_named_property(env, item, "vectors", vectors));
    CHECK(napi_set_named_property(env, item, "supported", supported));
    CHECK(napi_set_element(env, list, i, item));
  }
  return list;
}

/*
 * orbitStart(bits, crSign, crLimbs, ciSign, ciLimbs, narrow, scaleBits) → an ArrayBuffer holding
 * the orbit's state at Z_0 = 0 (the centre as sign and little-endian 64-bit limbs, a
 * BigUint64Array each). orbitAdvance(state, count, zr, zi, ext) → the stored length after up
 * to `count` updates, negative once the orbit has escaped; ext is null or [mr, mi, exponent].
 */
static napi_value orbit_start(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) ARG_ERROR("orbitStart(bits, crSign, crLimbs, ciSign, ciLimbs, narrow, scaleBits)");
  double bits, sr, si, narrow, scale_bits;
  if (!integer(env, argv[0], &bits) || !integer(env, argv[1], &sr) || !integer(env, argv[3], &si) || !integer(env, argv[5], &narrow) ||
      !integer(env, argv[6], &scale_bits))
    ARG_ERROR("bits, signs, narrow and scaleBits must be integers");
  uint64_t *cr, *ci;
  size_t nr, ni;
  if (!typed_array(env, argv[2], napi_biguint64_array, (void **)&cr, &nr) || !typed_array(env, argv[4], napi_biguint64_array, (void **)&ci, &ni))
    ARG_ERROR("the centre's limbs must be BigUint64Arrays");
  int limbs = ((int)bits + 8 + 63) / 64;
  if (bits < 1 || limbs > MANDEL_ORBIT_MAX_LIMBS || nr > (size_t)limbs || ni > (size_t)limbs || narrow < 0 || scale_bits < 0)
    ARG_ERROR("bits out of range, or a centre wider than the orbit's limbs");
  void *data;
  napi_value buffer;
  CHECK(napi_create_arraybuffer(env, sizeof(mandel_orbit_state), &data, &buffer));
  mandel_orbit_state *s = data;
  memset(s, 0, sizeof *s);
  s->limbs = limbs;
  s->bits = (int)bits;
  s->narrow = (int)narrow;
  s->scale_bits = (int)scale_bits;
  s->scr = sr != 0;
  s->sci = si != 0;
  memcpy(s->cr, cr, nr * sizeof(uint64_t));
  memcpy(s->ci, ci, ni * sizeof(uint64_t));
  s->length = 1;
  return buffer;
}

static napi_value orbit_advance(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) ARG_ERROR("orbitAdvance(state, count, zr, zi, ext)");
  bool is_buffer = false;
  void *data;
  size_t bytes;
  if (napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok || bytes != sizeof(mandel_orbit_state))
    ARG_ERROR("state must be the ArrayBuffer orbitStart returned");
  mandel_orbit_state *s = data;
  double count;
  if (!integer(env, argv[1], &count) || count < 0) ARG_ERROR("count must be a whole number");
  double *zr, *zi, *mr = NULL, *mi = NULL;
  int32_t *ex = NULL;
  size_t lr, li, lmr = 0, lmi = 0, lex = 0;
  if (!typed_array(env, argv[2], napi_float64_array, (void **)&zr, &lr) || !typed_array(env, argv[3], napi_float64_array, (void **)&zi, &li))
    ARG_ERROR("zr and zi must be Float64Arrays");
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[4], &type));
  if (type != napi_null) {
    napi_value a, b, c;
    if (!element(env, argv[4], 0, &a) || !element(env, argv[4], 1, &b) || !element(env, argv[4], 2, &c) ||
        !typed_array(env, a, napi_float64_array, (void **)&mr, &lmr) || !typed_array(env, b, napi_float64_array, (void **)&mi, &lmi) ||
        !typed_array(env, c, napi_int32_array, (void **)&ex, &lex))
      ARG_ERROR("ext must be null or [mr, mi, exponent]");
  }
  size_t room = lr < li ? lr : li;
  if (mr) {
    room = room < lmr ? room : lmr;
    room = room < lmi ? room : lmi;
    room = room < lex ? room : lex;
  }
  if ((size_t)s->length + (size_t)count > room) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "the orbit's arrays cannot hold that many more values");
    return NULL;
  }
  mandel_orbit_advance(s, (int)count, zr, zi, mr, mi, ex);
  napi_value result;
  CHECK(napi_create_int32(env, s->escaped ? -s->length : s->length, &result));
  return result;
}

/* The Float64Arrays of argv[from …], each at least `at_least` long; 0 (and a thrown error) if not. */
static int float64_arrays(napi_env env, napi_value *argv, int from, int n, double **out, size_t at_least) {
  for (int i = 0; i < n; i++) {
    size_t length;
    if (!typed_array(env, argv[from + i], napi_float64_array, (void **)&out[i], &length) || length < at_least) return 0;
  }
  return 1;
}

/* The levels' counts and offsets: every block of a level inside `total`, each level half the one below. */
static int bla_levels(napi_env env, napi_value counts_value, napi_value offsets_value, const int32_t **counts, const int32_t **offsets,
                      int *levels, size_t *total) {
  size_t nc, no;
  if (!typed_array(env, counts_value, napi_int32_array, (void **)counts, &nc) ||
      !typed_array(env, offsets_value, napi_int32_array, (void **)offsets, &no) || nc != no || nc < 1 || nc > 40)
    return 0;
  size_t sum = 0;
  for (size_t l = 0; l < nc; l++) {
    if ((*counts)[l] < 0 || (size_t)(*offsets)[l] != sum) return 0;
    if (l > 0 && (size_t)(*counts)[l] * 2 > (size_t)(*counts)[l - 1]) return 0;
    sum += (size_t)(*counts)[l];
  }
  *levels = (int)nc;
  *total = sum;
  return 1;
}

/* blaBlocks(zr, zi, length, dcOffset, dcExponent, counts, offsets, ar, ai, br, bi, absA, bdc, inside, absZ) */
static napi_value bla_blocks(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 15) ARG_ERROR("blaBlocks(zr, zi, length, dcOffset, dcExponent, counts, offsets, ar, ai, br, bi, absA, bdc, inside, absZ)");
  double *z[2];
  double length, exponent, offset;
  if (!float64_arrays(env, argv, 0, 2, z, 0) || !integer(env, argv[2], &length) || length < 1 ||
      napi_get_value_double(env, argv[3], &offset) != napi_ok || !integer(env, argv[4], &exponent) || exponent < -5000 ||
      exponent > 64 || !float64_arrays(env, argv, 0, 2, z, (size_t)length))
    ARG_ERROR("blaBlocks: zr and zi must be Float64Arrays of length values; dcExponent a whole number");
  const int32_t *counts, *offsets;
  int levels;
  size_t total;
  if (!bla_levels(env, argv[5], argv[6], &counts, &offsets, &levels, &total) || (double)counts[0] > (length >= 2 ? length - 2 : 0))
    ARG_ERROR("blaBlocks: counts and offsets must describe the levels of an orbit of that length");
  double *blocks[7];
  double *abs_z;
  if (!float64_arrays(env, argv, 7, 7, blocks, total) || !float64_arrays(env, argv, 14, 1, &abs_z, (size_t)length))
    ARG_ERROR("blaBlocks: ar, ai, br, bi, absA, bdc and inside must hold every block; absZ every orbit value");
  mandel_bla_blocks(z[0], z[1], (int)length, offset, (int)exponent, levels, counts, offsets, blocks[0], blocks[1], blocks[2],
                    blocks[3], blocks[4], blocks[5], blocks[6], abs_z);
  return NULL;
}

/* blaRadii(counts, offsets, absA, bdc, inside, epsilon, r2, absZ, length, dc, tail) */
static napi_value bla_radii(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11) ARG_ERROR("blaRadii(counts, offsets, absA, bdc, inside, epsilon, r2, absZ, length, dc, tail)");
  const int32_t *counts, *offsets;
  int levels;
  size_t total;
  if (!bla_levels(env, argv[0], argv[1], &counts, &offsets, &levels, &total))
    ARG_ERROR("blaRadii: counts and offsets must describe the table's levels");
  double *blocks[3], *r2, *abs_z, *tail;
  double epsilon, length, dc;
  if (!float64_arrays(env, argv, 2, 3, blocks, total) || napi_get_value_double(env, argv[5], &epsilon) != napi_ok ||
      !float64_arrays(env, argv, 6, 1, &r2, total) || !integer(env, argv[8], &length) || length < 1 ||
      !float64_arrays(env, argv, 7, 1, &abs_z, (size_t)length) || napi_get_value_double(env, argv[9], &dc) != napi_ok ||
      !float64_arrays(env, argv, 10, 1, &tail, (size_t)length))
    ARG_ERROR("blaRadii: absA, bdc, inside and r2 must hold every block; absZ and tail every orbit value");
  mandel_bla_radii(levels, counts, offsets, blocks[0], blocks[1], blocks[2], epsilon, r2, abs_z, (int)length, dc, tail);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"compute", NULL, compute, NULL, NULL, NULL, napi_default, NULL},
      {"isas", NULL, isas, NULL, NULL, NULL, napi_default, NULL},
      {"perturb", NULL, perturb, NULL, NULL, NULL, napi_default, NULL},
      {"bitmap", NULL, bitmap, NULL, NULL, NULL, napi_default, NULL},
      {"orbitStart", NULL, orbit_start, NULL, NULL, NULL, napi_default, NULL},
      {"orbitAdvance", NULL, orbit_advance, NULL, NULL, NULL, napi_default, NULL},
      {"blaBlocks", NULL, bla_blocks, NULL, NULL, NULL, napi_default, NULL},
      {"blaRadii", NULL, bla_radii, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
