// The native backend: an N-API addon over Debian's OpenBLAS (sgemm/dgemm, sgemv/dgemv)
// with C++ for the rest of the float32 hot path (elementwise with the
// activations and their gradients, reductions, the SGD and Adam updates,
// im2col/col2im convolution, max pooling).
//
// Every function works on the tensors' own Float32Array memory: arguments are
// typed arrays plus element offsets and strides, checked against the arrays'
// lengths before anything is read or written (a TypeError or RangeError
// naming the function otherwise). Nothing is copied in or out.
//
// Built once for x86-64 without -march=native: the elementwise loops carry
// target_clones (AVX-512, AVX2, baseline), so the loader picks the widest the
// CPU has; OpenBLAS does its own dispatch (openblas_get_corename()).
//
// Numerics match the js path: + − × ÷ on float32 give the same bits as the js
// loops (which compute in float64 and round, exact for these), the other
// elementwise expressions and the optimiser updates are computed in double
// exactly as written in the TypeScript, and -ffp-contract=off keeps the
// compiler from fusing them. tanh and sigmoid run the wasm kernels' float32
// algorithm (within 2 ulps of the js path); gemm (OpenBLAS accumulates in
// float32) differs from the js loops within float32 rounding.
#include <node_api.h>
#include <cblas.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

extern "C" {
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
int openblas_get_parallel(void);
}

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace {

// ---- Argument helpers ---------------------------------------------------------

struct Args {
  napi_env env;
  const char *fn;
  size_t argc;
  napi_value argv[24];
  bool failed = false;

  Args(napi_env e, napi_callback_info info, const char *name, size_t expected) : env(e), fn(name), argc(24) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    if (argc < expected) fail("RangeError", "expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  void fail(const char *kind, const std::string &msg) {
    if (failed) return;
    failed = true;
    std::string text = std::string("nnlab native ") + fn + ": " + msg;
    if (std::strcmp(kind, "TypeError") == 0) napi_throw_type_error(env, nullptr, text.c_str());
    else napi_throw_range_error(env, nullptr, text.c_str());
  }

  double num(size_t i) {
    double v = 0;
    if (failed) return 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) fail("TypeError", "argument " + std::to_string(i) + " must be a number");
    return v;
  }

  int64_t integer(size_t i) {
    double v = num(i);
    if (!failed && (v != std::floor(v) || std::fabs(v) > 9007199254740991.0)) fail("TypeError", "argument " + std::to_string(i) + " must be an integer");
    return static_cast<int64_t>(v);
  }

  bool isNull(size_t i) {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  template <typename T>
  T *typed(size_t i, napi_typedarray_type want, size_t &length) {
    length = 0;
    if (failed) return nullptr;
    bool is = false;
    napi_is_typedarray(env, argv[i], &is);
    napi_typedarray_type type;
    void *data = nullptr;
    if (!is || napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != want) {
      fail("TypeError", "argument " + std::to_string(i) + " must be a" +
                            (want == napi_float32_array ? " Float32Array" : want == napi_float64_array ? " Float64Array" : "n Int32Array"));
      return nullptr;
    }
    return static_cast<T *>(data);
  }

  float *f32(size_t i, size_t &length) { return typed<float>(i, napi_float32_array, length); }
  int32_t *i32(size_t i, size_t &length) { return typed<int32_t>(i, napi_int32_array, length); }

  // Checks that the (rows × cols, strides rs, cs) view at off lies in an array of `length`.
  bool within(const char *what, size_t length, int64_t off, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
    if (failed) return false;
    if (rows < 0 || cols < 0 || off < 0 || rs < 0 || cs < 0) {
      fail("RangeError", std::string(what) + ": negative size, offset or stride");
      return false;
    }
    if (rows == 0 || cols == 0) return true;
    int64_t last = off + (rows - 1) * rs + (cols - 1) * cs;
    if (last >= static_cast<int64_t>(length)) {
      fail("RangeError", std::string(what) + ": a " + std::to_string(rows) + "×" + std::to_string(cols) + " view at offset " +
                             std::to_string(off) + " (strides " + std::to_string(rs) + ", " + std::to_string(cs) +
                             ") reaches element " + std::to_string(last) + " of an array of " + std::to_string(length));
      return false;
    }
    return true;
  }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// ---- Info and threads -----------------------------------------------------------

// nnlab's thread count (setThreads) and the size (multiply-adds) from which a
// product uses it; smaller ones run on the calling thread alone, as in the
// wasm pool, where waking a second thread costs more than it gains.
int g_threads = 1;
int64_t g_parallelMin = 3LL << 21;
int g_blasThreads = -1;

// Sets OpenBLAS's thread count for a product of `macs` multiply-adds.
void useThreads(int64_t macs) {
  const int want = macs >= g_parallelMin ? g_threads : 1;
  if (want != g_blasThreads) {
    openblas_set_num_threads(want);
    g_blasThreads = want;
  }
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "corename", v);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "config", v);
  napi_create_int32(env, g_threads, &v);
  napi_set_named_property(env, out, "threads", v);
  napi_create_double(env, static_cast<double>(g_parallelMin), &v);
  napi_set_named_property(env, out, "parallelMinMacs", v);
  // 0: sequential build, 1: pthreads, 2: OpenMP.
  napi_create_int32(env, openblas_get_parallel(), &v);
  napi_set_named_property(env, out, "parallel", v);
  std::string isa = __builtin_cpu_supports("avx512f") ? "avx512f" : __builtin_cpu_supports("avx2") ? "avx2" : "baseline";
  napi_create_string_utf8(env, isa.c_str(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "isa", v);
  return out;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setThreads", 1);
  int64_t n = a.integer(0);
  if (!a.failed && n < 1) a.fail("RangeError", "expected a thread count ≥ 1, got " + std::to_string(n));
  if (a.failed) return nullptr;
  g_threads = static_cast<int>(n);
  openblas_set_num_threads(g_threads);
  g_blasThreads = g_threads;
  return undefined(env);
}

// setParallelMin(macs): products of at least `macs` multiply-adds use all threads.
napi_value SetParallelMin(napi_env env, napi_callback_info info) {
  Args a(env, info, "setParallelMin", 1);
  int64_t m = a.integer(0);
  if (!a.failed && m < 0) a.fail("RangeError", "expected a size ≥ 0, got " + std::to_string(m));
  if (a.failed) return nullptr;
  g_parallelMin = m;
  return undefined(env);
}

// ---- gemm ------------------------------------------------------------------------

// The BLAS entry points for one element type.
template <typename T>
struct Blas;
template <>
struct Blas<float> {
  static constexpr napi_typedarray_type array = napi_float32_array;
  static constexpr const char *arrayName = "Float32Array";
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta,
                   float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  }
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, const float *a, int lda, const float *x, int incx, float beta, float *y, int incy) {
    cblas_sgemv(CblasRowMajor, t, m, n, 1.0f, a, lda, x, incx, beta, y, incy);
  }
};
template <>
struct Blas<double> {
  static constexpr napi_typedarray_type array = napi_float64_array;
  static constexpr const char *arrayName = "Float64Array";
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double *a, int lda, const double *b, int ldb,
                   double beta, double *c, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
  }
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, const double *a, int lda, const double *x, int incx, double beta, double *y,
                   int incy) {
    cblas_dgemv(CblasRowMajor, t, m, n, 1.0, a, lda, x, incx, beta, y, incy);
  }
};

// sgemm / dgemm(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, beta):
// C[M, N] = op(A)·op(B) + beta·C, row-major; op(A) is A (M×K, lda) or, with
// transA, the transpose of the stored K×M (lda). M = 1 or N = 1 runs gemv.
template <typename T>
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info, Blas<T>::array == napi_float32_array ? "sgemm" : "dgemm", 15);
  bool ta = a.integer(0) != 0, tb = a.integer(1) != 0;
  int64_t M = a.integer(2), N = a.integer(3), K = a.integer(4);
  size_t la, lb, lc;
  T *A = a.typed<T>(5, Blas<T>::array, la);
  int64_t aOff = a.integer(6), lda = a.integer(7);
  T *B = a.typed<T>(8, Blas<T>::array, lb);
  int64_t bOff = a.integer(9), ldb = a.integer(10);
  T *C = a.typed<T>(11, Blas<T>::array, lc);
  int64_t cOff = a.integer(12), ldc = a.integer(13);
  T beta = static_cast<T>(a.num(14));
  if (a.failed) return nullptr;
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX) {
    a.fail("RangeError", "sizes above 2^31 − 1");
    return nullptr;
  }
  if (!ta ? !a.within("A", la, aOff, M, K, lda, 1) : !a.within("A", la, aOff, K, M, lda, 1)) return nullptr;
  if (!tb ? !a.within("B", lb, bOff, K, N, ldb, 1) : !a.within("B", lb, bOff, N, K, ldb, 1)) return nullptr;
  if (!a.within("C", lc, cOff, M, N, ldc, 1)) return nullptr;
  if (M == 0 || N == 0) return undefined(env);
  A += aOff;
  B += bOff;
  C += cOff;
  if (K == 0) {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j];
    return undefined(env);
  }
  useThreads(M * N * K);
  const int m = static_cast<int>(M), n = static_cast<int>(N), k = static_cast<int>(K);
  const int ia = static_cast<int>(lda), ib = static_cast<int>(ldb), ic = static_cast<int>(ldc);
  if (M == 1) {
    // c[j] = Σ_k a[k]·B(k, j): B's rows or columns against one vector.
    if (!tb) Blas<T>::gemv(CblasTrans, k, n, B, ib, A, ta ? ia : 1, beta, C, 1);
    else Blas<T>::gemv(CblasNoTrans, n, k, B, ib, A, ta ? ia : 1, beta, C, 1);
  } else if (N == 1) {
    // c[i] = Σ_k A(i, k)·b[k].
    if (!ta) Blas<T>::gemv(CblasNoTrans, m, k, A, ia, B, tb ? 1 : ib, beta, C, ic);
    else Blas<T>::gemv(CblasTrans, k, m, A, ia, B, tb ? 1 : ib, beta, C, ic);
  } else {
    Blas<T>::gemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, A, ia, B, ib, beta, C, ic);
  }
  return undefined(env);
}

// ---- Elementwise -------------------------------------------------------------------

// Operation codes, shared with src/kernels/native.ts (NATIVE_UNARY, NATIVE_BINARY).
enum Unary { U_RELU = 0, U_TANH, U_SIGMOID, U_EXP, U_LOG, U_NEG, U_SQUARE, U_SQRT, U_ABS };
enum Binary { B_ADD = 0, B_SUB, B_MUL, B_DIV, B_RELU_GRAD, B_TANH_GRAD, B_SIGMOID_GRAD, B_MAXIMUM, B_MINIMUM };

CLONES void reluLoop(const float *x, float *y, int64_t n) {
  // x > 0 || x !== x ? x : 0 (NaN propagates).
  for (int64_t i = 0; i < n; i++) y[i] = (x[i] > 0 || x[i] != x[i]) ? x[i] : 0.0f;
}
CLONES void negLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = -x[i];
}
CLONES void squareLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i];
}
CLONES void sqrtLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = std::sqrt(x[i]);
}
CLONES void absLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = std::fabs(x[i]);
}

// tanh and sigmoid in float32, vectorised: the algorithm of the wasm kernels
// (assembly/eltwise.ts), the same operations in the same order, so with
// -ffp-contract=off they give the wasm kernels' bits, within 2 float32 ulps
// of the js path's correctly rounded values.
//
// exp(y) for −87 ≤ y ≤ 0 by Cody–Waite range reduction: y = k·ln2 + r, k an
// integer (rounded to nearest even by the 1.5·2²³ trick), |r| ≤ ln2/2,
// exp(r) by its Taylor series to r⁷/7!, 2^k built in the exponent bits.
constexpr float LOG2E = 1.44269504f;
constexpr float LN2_HI = 0.693145752f;   // k·LN2_HI is exact for |k| < 2⁸
constexpr float LN2_LO = 1.42860677e-6f;  // ln 2 − LN2_HI
constexpr float ROUND = 12582912.0f;      // 1.5·2²³: x + ROUND − ROUND rounds x to an integer

inline float bitsToFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
inline uint32_t floatToBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

inline float expNeg(float y) {
  const float k = (y * LOG2E + ROUND) - ROUND;
  const float r = (y - k * LN2_HI) - k * LN2_LO;
  float p = 1.0f + r * (1.0f / 7);
  p = 1.0f + (r * (1.0f / 6)) * p;
  p = 1.0f + (r * (1.0f / 5)) * p;
  p = 1.0f + (r * (1.0f / 4)) * p;
  p = 1.0f + (r * (1.0f / 3)) * p;
  p = 1.0f + (r * 0.5f) * p;
  p = 1.0f + r * p;
  return p * bitsToFloat(static_cast<uint32_t>(static_cast<int32_t>(k) + 127) << 23);
}

// tanh: for |x| < 0.4 its odd Taylor polynomial to x¹³, else sign(x)·(1 − e)/(1 + e)
// with e = exp(−2|x|) (|x| clamped to 10, where tanh is 1 in float32). NaN propagates.
CLONES void tanhLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    float a = std::fabs(v);
    a = a < 10.0f ? a : 10.0f;
    const float e = expNeg(a * -2.0f);
    const float big = (1.0f - e) / (1.0f + e);
    const float a2 = a * a;
    float p = 21844.0f / 6081075;
    p = -1382.0f / 155925 + a2 * p;
    p = 62.0f / 2835 + a2 * p;
    p = -17.0f / 315 + a2 * p;
    p = 2.0f / 15 + a2 * p;
    p = -1.0f / 3 + a2 * p;
    const float small = a + (a * a2) * p;
    const float t = a < 0.4f ? small : big;
    const float out = bitsToFloat(floatToBits(t) | (floatToBits(v) & 0x80000000u));
    y[i] = v != v ? v : out;
  }
}

// σ(x) = 1/(1 + e^−x): with e = exp(−|x|), 1/(1 + e) for x ≥ 0 and e/(1 + e) below;
// past |x| = 64, e is exp(64 − |x|)·e⁻⁶⁴ (subnormal results; 0 beyond |x| ≈ 104). NaN propagates.
CLONES void sigmoidLoop(const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    float a = std::fabs(v);
    a = a < 110.0f ? a : 110.0f;
    const bool far = a > 64.0f;
    const float e = expNeg((far ? 64.0f : 0.0f) - a) * (far ? 1.60381089e-28f : 1.0f);
    const float d = 1.0f + e;
    const float s = v >= 0 ? 1.0f / d : e / d;
    y[i] = v != v ? v : s;
  }
}

void unaryLoop(int op, const float *x, float *y, int64_t n) {
  switch (op) {
    case U_RELU: reluLoop(x, y, n); break;
    case U_NEG: negLoop(x, y, n); break;
    case U_SQUARE: squareLoop(x, y, n); break;
    case U_SQRT: sqrtLoop(x, y, n); break;
    case U_ABS: absLoop(x, y, n); break;
    // exp and log in double, as the js expressions.
    case U_TANH: tanhLoop(x, y, n); break;
    case U_SIGMOID: sigmoidLoop(x, y, n); break;
    case U_EXP:
      for (int64_t i = 0; i < n; i++) y[i] = static_cast<float>(std::exp(static_cast<double>(x[i])));
      break;
    case U_LOG:
      for (int64_t i = 0; i < n; i++) y[i] = static_cast<float>(std::log(static_cast<double>(x[i])));
      break;
  }
}

// unary(op, x, xOff, y, yOff, n): y[yOff + i] = op(x[xOff + i]).
napi_value UnaryFn(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary", 6);
  int64_t op = a.integer(0);
  size_t lx, ly;
  float *x = a.f32(1, lx);
  int64_t xo = a.integer(2);
  float *y = a.f32(3, ly);
  int64_t yo = a.integer(4), n = a.integer(5);
  if (!a.failed && (op < U_RELU || op > U_ABS)) a.fail("RangeError", "unknown operation " + std::to_string(op));
  if (!a.within("x", lx, xo, 1, n, 0, 1) || !a.within("y", ly, yo, 1, n, 0, 1)) return nullptr;
  unaryLoop(static_cast<int>(op), x + xo, y + yo, n);
  return undefined(env);
}

template <int OP>
inline float binaryOp(float x, float y) {
  if constexpr (OP == B_ADD) return x + y;
  else if constexpr (OP == B_SUB) return x - y;
  else if constexpr (OP == B_MUL) return x * y;
  else if constexpr (OP == B_DIV) return x / y;
  else if constexpr (OP == B_RELU_GRAD) return y > 0 ? x : 0.0f;
  else if constexpr (OP == B_TANH_GRAD) return static_cast<float>(static_cast<double>(x) * (1 - static_cast<double>(y) * y));
  else if constexpr (OP == B_SIGMOID_GRAD) return static_cast<float>(static_cast<double>(x) * y * (1 - static_cast<double>(y)));
  else if constexpr (OP == B_MAXIMUM) return (x > y || x != x) ? x : y;
  else return (x < y || x != x) ? x : y;
}

// Rows of a 2-D strided view: the unit-stride and row-broadcast cases vectorise.
template <int OP>
CLONES void binaryRows(const float *a, int64_t ars, int64_t acs, const float *b, int64_t brs, int64_t bcs, float *out,
                       int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float *ar = a + r * ars, *br = b + r * brs;
    float *o = out + r * cols;
    if (acs == 1 && bcs == 1) {
      for (int64_t c = 0; c < cols; c++) o[c] = binaryOp<OP>(ar[c], br[c]);
    } else if (acs == 1 && bcs == 0) {
      const float y = br[0];
      for (int64_t c = 0; c < cols; c++) o[c] = binaryOp<OP>(ar[c], y);
    } else if (acs == 0 && bcs == 1) {
      const float x = ar[0];
      for (int64_t c = 0; c < cols; c++) o[c] = binaryOp<OP>(x, br[c]);
    } else {
      for (int64_t c = 0; c < cols; c++) o[c] = binaryOp<OP>(ar[c * acs], br[c * bcs]);
    }
  }
}

using BinaryRows = void (*)(const float *, int64_t, int64_t, const float *, int64_t, int64_t, float *, int64_t, int64_t);
const BinaryRows binaryTable[] = {
    binaryRows<B_ADD>, binaryRows<B_SUB>, binaryRows<B_MUL>, binaryRows<B_DIV>, binaryRows<B_RELU_GRAD>,
    binaryRows<B_TANH_GRAD>, binaryRows<B_SIGMOID_GRAD>, binaryRows<B_MAXIMUM>, binaryRows<B_MINIMUM>,
};

// binary(op, a, ao, ars, acs, b, bo, brs, bcs, out, oo, rows, cols):
// out[oo + r·cols + c] = a[ao + r·ars + c·acs] (op) b[bo + r·brs + c·bcs].
napi_value BinaryFn(napi_env env, napi_callback_info info) {
  Args a(env, info, "binary", 13);
  int64_t op = a.integer(0);
  size_t la, lb, lo;
  float *A = a.f32(1, la);
  int64_t ao = a.integer(2), ars = a.integer(3), acs = a.integer(4);
  float *B = a.f32(5, lb);
  int64_t bo = a.integer(6), brs = a.integer(7), bcs = a.integer(8);
  float *O = a.f32(9, lo);
  int64_t oo = a.integer(10), rows = a.integer(11), cols = a.integer(12);
  if (!a.failed && (op < B_ADD || op > B_MINIMUM)) a.fail("RangeError", "unknown operation " + std::to_string(op));
  if (!a.within("a", la, ao, rows, cols, ars, acs) || !a.within("b", lb, bo, rows, cols, brs, bcs) ||
      !a.within("out", lo, oo, rows, cols, cols, 1))
    return nullptr;
  binaryTable[op](A + ao, ars, acs, B + bo, brs, bcs, O + oo, rows, cols);
  return undefined(env);
}

// ---- Reductions ------------------------------------------------------------------------

// Column sums in double, row by row (the js order): vectorises across columns.
CLONES void sumColsLoop(const float *x, int64_t outer, int64_t inner, double *acc) {
  for (int64_t r = 0; r < outer; r++) {
    const float *row = x + r * inner;
    for (int64_t c = 0; c < inner; c++) acc[c] += row[c];
  }
}

// sumCols(x, xOff, outer, inner, out): out[c] = Σ_r x[xOff + r·inner + c], accumulated in double.
napi_value SumCols(napi_env env, napi_callback_info info) {
  Args a(env, info, "sumCols", 5);
  size_t lx, lo;
  float *x = a.f32(0, lx);
  int64_t xo = a.integer(1), outer = a.integer(2), inner = a.integer(3);
  float *out = a.f32(4, lo);
  if (!a.within("x", lx, xo, outer, inner, inner, 1) || !a.within("out", lo, 0, 1, inner, 0, 1)) return nullptr;
  std::vector<double> acc(static_cast<size_t>(inner), 0.0);
  sumColsLoop(x + xo, outer, inner, acc.data());
  for (int64_t c = 0; c < inner; c++) out[c] = static_cast<float>(acc[c]);
  return undefined(env);
}

// sumRows(x, xOff, outer, inner, out): out[r] = Σ_c x[xOff + r·inner + c], in double, in order.
napi_value SumRows(napi_env env, napi_callback_info info) {
  Args a(env, info, "sumRows", 5);
  size_t lx, lo;
  float *x = a.f32(0, lx);
  int64_t xo = a.integer(1), outer = a.integer(2), inner = a.integer(3);
  float *out = a.f32(4, lo);
  if (!a.within("x", lx, xo, outer, inner, inner, 1) || !a.within("out", lo, 0, 1, outer, 0, 1)) return nullptr;
  const float *p = x + xo;
  for (int64_t r = 0; r < outer; r++) {
    double s = 0;
    for (int64_t c = 0; c < inner; c++) s += p[c];
    out[r] = static_cast<float>(s);
    p += inner;
  }
  return undefined(env);
}

// ---- Optimiser updates -------------------------------------------------------------------

// sgd(p, po, g, go, n, buf | null, first, lr, momentum, dampening, nesterov, weightDecay, sign):
// SGD's update (src/optim/sgd.ts), in double as written there.
napi_value Sgd(napi_env env, napi_callback_info info) {
  Args a(env, info, "sgd", 13);
  size_t lp, lg, lb = 0;
  float *p = a.f32(0, lp);
  int64_t po = a.integer(1);
  float *g = a.f32(2, lg);
  int64_t go = a.integer(3), n = a.integer(4);
  float *buf = a.isNull(5) ? nullptr : a.f32(5, lb);
  bool first = a.integer(6) != 0;
  double lr = a.num(7), momentum = a.num(8), dampening = a.num(9);
  bool nesterov = a.integer(10) != 0;
  double wd = a.num(11), sign = a.num(12);
  if (!a.within("param", lp, po, 1, n, 0, 1) || !a.within("grad", lg, go, 1, n, 0, 1)) return nullptr;
  if (buf && !a.within("momentum buffer", lb, 0, 1, n, 0, 1)) return nullptr;
  if (!buf && momentum != 0) {
    a.fail("TypeError", "momentum needs a buffer");
    return nullptr;
  }
  p += po;
  g += go;
  if (momentum == 0) {
    for (int64_t i = 0; i < n; i++) {
      double d = sign * g[i];
      if (wd != 0) d += wd * p[i];
      p[i] = static_cast<float>(p[i] - lr * d);
    }
    return undefined(env);
  }
  for (int64_t i = 0; i < n; i++) {
    double d = sign * g[i];
    if (wd != 0) d += wd * p[i];
    buf[i] = static_cast<float>(first ? d : momentum * buf[i] + (1 - dampening) * d);
    p[i] = static_cast<float>(p[i] - lr * (nesterov ? d + momentum * buf[i] : static_cast<double>(buf[i])));
  }
  return undefined(env);
}

// adam(p, po, g, go, n, m, v, vmax | null, beta1, beta2, stepSize, bias2Sqrt, eps, l2, shrink, sign):
// Adam's update (src/optim/adam.ts), in double as written there.
napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info, "adam", 16);
  size_t lp, lg, lm, lv, lx = 0;
  float *p = a.f32(0, lp);
  int64_t po = a.integer(1);
  float *g = a.f32(2, lg);
  int64_t go = a.integer(3), n = a.integer(4);
  float *m = a.f32(5, lm);
  float *v = a.f32(6, lv);
  float *vmax = a.isNull(7) ? nullptr : a.f32(7, lx);
  double beta1 = a.num(8), beta2 = a.num(9), stepSize = a.num(10), bias2Sqrt = a.num(11), eps = a.num(12);
  double l2 = a.num(13), shrink = a.num(14), sign = a.num(15);
  if (!a.within("param", lp, po, 1, n, 0, 1) || !a.within("grad", lg, go, 1, n, 0, 1) || !a.within("expAvg", lm, 0, 1, n, 0, 1) ||
      !a.within("expAvgSq", lv, 0, 1, n, 0, 1))
    return nullptr;
  if (vmax && !a.within("maxExpAvgSq", lx, 0, 1, n, 0, 1)) return nullptr;
  p += po;
  g += go;
  for (int64_t i = 0; i < n; i++) {
    double gi = sign * g[i];
    if (l2 != 0) gi += l2 * p[i];
    m[i] = static_cast<float>(beta1 * m[i] + (1 - beta1) * gi);
    v[i] = static_cast<float>(beta2 * v[i] + (1 - beta2) * gi * gi);
    double second = v[i];
    if (vmax) second = vmax[i] = static_cast<float>(std::max(static_cast<double>(vmax[i]), second));
    double denom = std::sqrt(second) / bias2Sqrt + eps;
    p[i] = static_cast<float>((shrink == 1 ? static_cast<double>(p[i]) : p[i] * shrink) - (stepSize * m[i]) / denom);
  }
  return undefined(env);
}

// ---- Convolution ---------------------------------------------------------------------------

// The geometry block (an Int32Array, see src/kernels/native.ts convGeometry):
// N, C, H, W, O, groups, kH, kW, sh, sw, ph, pw, dh, dw, oH, oW.
struct Geom {
  int64_t N, C, H, W, O, groups, kH, kW, sh, sw, ph, pw, dh, dw, oH, oW;
  int64_t Cg() const { return C / groups; }
  int64_t Og() const { return O / groups; }
  int64_t K() const { return Cg() * kH * kW; }
  int64_t L() const { return oH * oW; }
};

bool readGeom(Args &a, size_t i, Geom &g) {
  size_t len;
  int32_t *v = a.i32(i, len);
  if (a.failed) return false;
  if (len < 16) {
    a.fail("RangeError", "geometry needs 16 entries");
    return false;
  }
  g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  bool ok = g.N >= 0 && g.C >= 1 && g.H >= 1 && g.W >= 1 && g.O >= 1 && g.groups >= 1 && g.C % g.groups == 0 && g.O % g.groups == 0 &&
            g.kH >= 1 && g.kW >= 1 && g.sh >= 1 && g.sw >= 1 && g.ph >= 0 && g.pw >= 0 && g.dh >= 1 && g.dw >= 1 && g.oH >= 1 && g.oW >= 1;
  if (!ok) a.fail("RangeError", "invalid convolution geometry");
  return ok;
}

// col[k, b·L + l] for samples [n0, n0 + B) of group grp: k = (c, p, q), l = (i, j);
// zero where the tap falls in the padding.
void im2col(const Geom &g, const float *x, int64_t n0, int64_t B, int64_t grp, float *col) {
  const int64_t L = g.L(), ld = B * L, Cg = g.Cg();
  int64_t k = 0;
  for (int64_t c = 0; c < Cg; c++) {
    for (int64_t p = 0; p < g.kH; p++) {
      for (int64_t q = 0; q < g.kW; q++, k++) {
        float *row = col + k * ld;
        const int64_t dy = p * g.dh - g.ph, dx = q * g.dw - g.pw;
        // Output columns j whose input column j·sw + dx lies in [0, W).
        int64_t j0 = dx >= 0 ? 0 : (-dx + g.sw - 1) / g.sw;
        int64_t j1 = g.W - dx <= 0 ? 0 : (g.W - dx - 1) / g.sw + 1;
        if (j1 > g.oW) j1 = g.oW;
        if (j0 > j1) j0 = j1;
        for (int64_t b = 0; b < B; b++) {
          const float *plane = x + ((n0 + b) * g.C + grp * Cg + c) * g.H * g.W;
          float *out = row + b * L;
          for (int64_t i = 0; i < g.oH; i++, out += g.oW) {
            const int64_t ih = i * g.sh + dy;
            if (ih < 0 || ih >= g.H) {
              std::memset(out, 0, sizeof(float) * g.oW);
              continue;
            }
            const float *src = plane + ih * g.W + dx;
            for (int64_t j = 0; j < j0; j++) out[j] = 0;
            if (g.sw == 1) std::memcpy(out + j0, src + j0, sizeof(float) * (j1 - j0));
            else for (int64_t j = j0; j < j1; j++) out[j] = src[j * g.sw];
            for (int64_t j = j1; j < g.oW; j++) out[j] = 0;
          }
        }
      }
    }
  }
}

// dx[...] += dcol[k, b·L + l], the adjoint of im2col (taps in the padding dropped).
void col2im(const Geom &g, const float *dcol, int64_t n0, int64_t B, int64_t grp, float *dx) {
  const int64_t L = g.L(), ld = B * L, Cg = g.Cg();
  int64_t k = 0;
  for (int64_t c = 0; c < Cg; c++) {
    for (int64_t p = 0; p < g.kH; p++) {
      for (int64_t q = 0; q < g.kW; q++, k++) {
        const float *row = dcol + k * ld;
        const int64_t dy = p * g.dh - g.ph, dxo = q * g.dw - g.pw;
        int64_t j0 = dxo >= 0 ? 0 : (-dxo + g.sw - 1) / g.sw;
        int64_t j1 = g.W - dxo <= 0 ? 0 : (g.W - dxo - 1) / g.sw + 1;
        if (j1 > g.oW) j1 = g.oW;
        if (j0 > j1) j0 = j1;
        for (int64_t b = 0; b < B; b++) {
          float *plane = dx + ((n0 + b) * g.C + grp * Cg + c) * g.H * g.W;
          const float *in = row + b * L;
          for (int64_t i = 0; i < g.oH; i++, in += g.oW) {
            const int64_t ih = i * g.sh + dy;
            if (ih < 0 || ih >= g.H) continue;
            float *dst = plane + ih * g.W + dxo;
            if (g.sw == 1) for (int64_t j = j0; j < j1; j++) dst[j] += in[j];
            else for (int64_t j = j0; j < j1; j++) dst[j * g.sw] += in[j];
          }
        }
      }
    }
  }
}

// Samples per chunk: the im2col matrix and one chunk of outputs stay within
// g_chunkFloats floats, small enough to stay in cache between im2col, the
// gemm and the scatter.
// (2^16 floats measured best for LeNet-5 against 2^13 … 2^24.)
const int64_t g_chunkFloats = 1 << 16;
int64_t chunkSamples(const Geom &g) {
  const int64_t per = g.K() * g.L() + g.Og() * g.L();
  int64_t B = g_chunkFloats / (per > 0 ? per : 1);
  if (B < 1) B = 1;
  return B < g.N ? B : (g.N > 0 ? g.N : 1);
}

// conv2dForward(geom, x, w, bias | null, y): y [N, O, oH, oW] = conv(x [N, C, H, W], w [O, C/groups·kH·kW]) + bias.
// Per chunk of B samples and group: Y[Og, B·L] = W_g · col, one gemm, then y[n, o, l] = Y[o, b·L + l] + bias[o].
napi_value Conv2dForward(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dForward", 5);
  Geom g;
  if (!readGeom(a, 0, g)) return nullptr;
  size_t lx, lw, lb = 0, ly;
  float *x = a.f32(1, lx);
  float *w = a.f32(2, lw);
  float *bias = a.isNull(3) ? nullptr : a.f32(3, lb);
  float *y = a.f32(4, ly);
  const int64_t K = g.K(), L = g.L(), Og = g.Og();
  if (!a.within("x", lx, 0, 1, g.N * g.C * g.H * g.W, 0, 1) || !a.within("w", lw, 0, 1, g.O * K, 0, 1) ||
      !a.within("y", ly, 0, 1, g.N * g.O * L, 0, 1) || (bias && !a.within("bias", lb, 0, 1, g.O, 0, 1)))
    return nullptr;
  const int64_t Bmax = chunkSamples(g);
  std::vector<float> col(static_cast<size_t>(K * Bmax * L)), Y(static_cast<size_t>(Og * Bmax * L));
  for (int64_t n0 = 0; n0 < g.N; n0 += Bmax) {
    const int64_t B = std::min(Bmax, g.N - n0);
    useThreads(g.N * Og * L * K);
    for (int64_t grp = 0; grp < g.groups; grp++) {
      im2col(g, x, n0, B, grp, col.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(Og), static_cast<int>(B * L), static_cast<int>(K), 1.0f,
                  w + grp * Og * K, static_cast<int>(K), col.data(), static_cast<int>(B * L), 0.0f, Y.data(), static_cast<int>(B * L));
      for (int64_t b = 0; b < B; b++) {
        for (int64_t o = 0; o < Og; o++) {
          const float add = bias ? bias[grp * Og + o] : 0.0f;
          const float *src = Y.data() + o * B * L + b * L;
          float *dst = y + ((n0 + b) * g.O + grp * Og + o) * L;
          for (int64_t l = 0; l < L; l++) dst[l] = src[l] + add;
        }
      }
    }
  }
  return undefined(env);
}

// conv2dBackward(geom, x | null, w | null, dy, dx | null, dw | null, db | null): the gradients
// dx = col2im(W_gᵀ·dY) (needs w), dw = Σ_chunks dY·colᵀ (needs x), db = Σ dy over n and positions,
// summed in chunk order (the same bits at a fixed thread count).
napi_value Conv2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dBackward", 7);
  Geom g;
  if (!readGeom(a, 0, g)) return nullptr;
  size_t lx = 0, lw = 0, ldy, ldx = 0, ldw = 0, ldb = 0;
  float *x = a.isNull(1) ? nullptr : a.f32(1, lx);
  float *w = a.isNull(2) ? nullptr : a.f32(2, lw);
  float *dy = a.f32(3, ldy);
  float *dx = a.isNull(4) ? nullptr : a.f32(4, ldx);
  float *dw = a.isNull(5) ? nullptr : a.f32(5, ldw);
  float *db = a.isNull(6) ? nullptr : a.f32(6, ldb);
  const int64_t K = g.K(), L = g.L(), Og = g.Og(), xn = g.N * g.C * g.H * g.W;
  if (a.failed) return nullptr;
  if ((dx && !w) || (dw && !x)) {
    a.fail("TypeError", "dx needs w and dw needs x");
    return nullptr;
  }
  if ((x && !a.within("x", lx, 0, 1, xn, 0, 1)) || (w && !a.within("w", lw, 0, 1, g.O * K, 0, 1)) ||
      !a.within("dy", ldy, 0, 1, g.N * g.O * L, 0, 1) || (dx && !a.within("dx", ldx, 0, 1, xn, 0, 1)) ||
      (dw && !a.within("dw", ldw, 0, 1, g.O * K, 0, 1)) || (db && !a.within("db", ldb, 0, 1, g.O, 0, 1)))
    return nullptr;
  if (dx) std::memset(dx, 0, sizeof(float) * xn);
  if (dw) std::memset(dw, 0, sizeof(float) * g.O * K);
  if (db) {
    // In double, sample by sample (the js order).
    std::vector<double> sums(static_cast<size_t>(g.O), 0.0);
    for (int64_t n = 0; n < g.N; n++) {
      for (int64_t o = 0; o < g.O; o++) {
        double s = 0;
        const float *p = dy + (n * g.O + o) * L;
        for (int64_t l = 0; l < L; l++) s += p[l];
        sums[o] += s;
      }
    }
    for (int64_t o = 0; o < g.O; o++) db[o] = static_cast<float>(sums[o]);
  }
  if (!dx && !dw) return undefined(env);
  const int64_t Bmax = chunkSamples(g);
  std::vector<float> col(static_cast<size_t>(K * Bmax * L)), Y(static_cast<size_t>(Og * Bmax * L));
  for (int64_t n0 = 0; n0 < g.N; n0 += Bmax) {
    const int64_t B = std::min(Bmax, g.N - n0);
    const int bl = static_cast<int>(B * L);
    useThreads(g.N * Og * L * K);
    for (int64_t grp = 0; grp < g.groups; grp++) {
      // dY[o, b·L + l] = dy[n0 + b, grp·Og + o, l].
      for (int64_t o = 0; o < Og; o++)
        for (int64_t b = 0; b < B; b++)
          std::memcpy(Y.data() + o * B * L + b * L, dy + ((n0 + b) * g.O + grp * Og + o) * L, sizeof(float) * L);
      if (dw) {
        im2col(g, x, n0, B, grp, col.data());
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(Og), static_cast<int>(K), bl, 1.0f, Y.data(), bl,
                    col.data(), bl, 1.0f, dw + grp * Og * K, static_cast<int>(K));
      }
      if (dx) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(K), bl, static_cast<int>(Og), 1.0f, w + grp * Og * K,
                    static_cast<int>(K), Y.data(), bl, 0.0f, col.data(), bl);
        col2im(g, col.data(), n0, B, grp, dx);
      }
    }
  }
  return undefined(env);
}

// ---- Pooling ----------------------------------------------------------------------------------

// maxPool2d(x, planes, H, W, kH, kW, sh, sw, oH, oW, out, argmax): windows inside the input
// (no padding, dilation 1). The first maximum in row-major window order wins ties, a NaN
// wins over everything (the last NaN of the window), argmax is the flat in-plane position.
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2d", 12);
  size_t lx, lo, la;
  float *x = a.f32(0, lx);
  int64_t planes = a.integer(1), H = a.integer(2), W = a.integer(3), kH = a.integer(4), kW = a.integer(5);
  int64_t sh = a.integer(6), sw = a.integer(7), oH = a.integer(8), oW = a.integer(9);
  float *out = a.f32(10, lo);
  int32_t *arg = a.i32(11, la);
  if (a.failed) return nullptr;
  if (kH < 1 || kW < 1 || sh < 1 || sw < 1 || oH < 1 || oW < 1 || (oH - 1) * sh + kH > H || (oW - 1) * sw + kW > W) {
    a.fail("RangeError", "windows must lie inside the input");
    return nullptr;
  }
  if (!a.within("x", lx, 0, 1, planes * H * W, 0, 1) || !a.within("out", lo, 0, 1, planes * oH * oW, 0, 1) ||
      !a.within("argmax", la, 0, 1, planes * oH * oW, 0, 1))
    return nullptr;
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *src = x + pl * H * W;
    float *o = out + pl * oH * oW;
    int32_t *am = arg + pl * oH * oW;
    for (int64_t i = 0; i < oH; i++) {
      if (kH == 2 && kW == 2) {
        // The 2×2 windows unrolled, the same rule taps in row-major order.
        for (int64_t j = 0; j < oW; j++) {
          const int64_t t0 = i * sh * W + j * sw, t1 = t0 + 1, t2 = t0 + W, t3 = t2 + 1;
          float best = src[t0];
          int64_t at = t0;
          if (src[t1] > best || src[t1] != src[t1]) best = src[at = t1];
          if (src[t2] > best || src[t2] != src[t2]) best = src[at = t2];
          if (src[t3] > best || src[t3] != src[t3]) best = src[at = t3];
          o[i * oW + j] = best;
          am[i * oW + j] = static_cast<int32_t>(at);
        }
        continue;
      }
      for (int64_t j = 0; j < oW; j++) {
        const int64_t first = i * sh * W + j * sw;
        float best = src[first];
        int64_t at = first;
        for (int64_t p = 0; p < kH; p++) {
          const int64_t r = first + p * W;
          for (int64_t q = (p == 0 ? 1 : 0); q < kW; q++) {
            const float v = src[r + q];
            if (v > best || v != v) {
              best = v;
              at = r + q;
            }
          }
        }
        o[i * oW + j] = best;
        am[i * oW + j] = static_cast<int32_t>(at);
      }
    }
  }
  return undefined(env);
}

// maxPool2dBackward(g, argmax, planes, inPlane, outPlane, dx): dx[p·inPlane + argmax[o]] += g[o]
// for each output o of plane p (argmax −1 sends nothing), in output order.
napi_value MaxPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2dBackward", 6);
  size_t lg, la, ld;
  float *g = a.f32(0, lg);
  int32_t *arg = a.i32(1, la);
  int64_t planes = a.integer(2), inPlane = a.integer(3), outPlane = a.integer(4);
  float *dx = a.f32(5, ld);
  if (!a.within("g", lg, 0, planes, outPlane, outPlane, 1) || !a.within("argmax", la, 0, planes, outPlane, outPlane, 1) ||
      !a.within("dx", ld, 0, planes, inPlane, inPlane, 1))
    return nullptr;
  for (int64_t p = 0, o = 0; p < planes; p++) {
    float *base = dx + p * inPlane;
    for (int64_t end = o + outPlane; o < end; o++) {
      const int32_t at = arg[o];
      if (at >= inPlane) {
        a.fail("RangeError", "argmax " + std::to_string(at) + " outside a plane of " + std::to_string(inPlane));
        return nullptr;
      }
      if (at >= 0) base[at] += g[o];
    }
  }
  return undefined(env);
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setParallelMin", nullptr, SetParallelMin, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgemm", nullptr, Gemm<float>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"dgemm", nullptr, Gemm<double>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, UnaryFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, BinaryFn, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumCols", nullptr, SumCols, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgd", nullptr, Sgd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dForward", nullptr, Conv2dForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackward", nullptr, Conv2dBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2d", nullptr, MaxPool2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2dBackward", nullptr, MaxPool2dBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
