/* SPDX-License-Identifier: ISC */
/* read_static_icu.c: the static quire-read links libxml2 for quote and search (the text
 * module's objects, linked in: a static program cannot dlopen). libxml2.a refers to seven ICU
 * converter functions, for encodings neither it nor glibc converts; linking ICU would add its
 * 30 MB of data to the verifying reader. These stand-ins make every ICU converter fail to open,
 * so such a page is read as libxml2 reads an unknown encoding (its built-in UTF-8, UTF-16,
 * ISO-8859-1 and ASCII still work). The names carry ICU's version (QUIRE_ICU_SUFFIX, from
 * pkg-config in CMakeLists.txt), as libxml2.a's references do. */
#include <stddef.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define ICU(name) CAT(name, QUIRE_ICU_SUFFIX)

typedef int icu_error; /* UErrorCode */
#define ICU_FILE_ACCESS_ERROR 4

void *ICU(ucnv_open)(const char *name, icu_error *err);
void ICU(ucnv_close)(void *cnv);
void ICU(ucnv_convertEx)(void *to, void *from, char **target, const char *target_limit,
                         const char **source, const char *source_limit, void *pivot_start,
                         void **pivot_source, void **pivot_target, const void *pivot_limit,
                         signed char reset, signed char flush, icu_error *err);
void ICU(ucnv_setToUCallBack)(void *cnv, void *fn, const void *ctx, void *old_fn,
                              const void **old_ctx, icu_error *err);
void ICU(ucnv_setFromUCallBack)(void *cnv, void *fn, const void *ctx, void *old_fn,
                                const void **old_ctx, icu_error *err);
void ICU(UCNV_TO_U_CALLBACK_STOP)(void);
void ICU(UCNV_FROM_U_CALLBACK_STOP)(void);

void *ICU(ucnv_open)(const char *name, icu_error *err)
{
    (void)name;
    *err = ICU_FILE_ACCESS_ERROR;
    return NULL;
}

void ICU(ucnv_close)(void *cnv)
{
    (void)cnv;
}

void ICU(ucnv_convertEx)(void *to, void *from, char **target, const char *target_limit,
                         const char **source, const char *source_limit, void *pivot_start,
                         void **pivot_source, void **pivot_target, const void *pivot_limit,
                         signed char reset, signed char flush, icu_error *err)
{
    (void)to, (void)from, (void)target, (void)target_limit, (void)source, (void)source_limit;
    (void)pivot_start, (void)pivot_source, (void)pivot_target, (void)pivot_limit;
    (void)reset, (void)flush;
    *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(ucnv_setToUCallBack)(void *cnv, void *fn, const void *ctx, void *old_fn,
                              const void **old_ctx, icu_error *err)
{
    (void)cnv, (void)fn, (void)ctx, (void)old_fn, (void)old_ctx;
    *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(ucnv_setFromUCallBack)(void *cnv, void *fn, const void *ctx, void *old_fn,
                                const void **old_ctx, icu_error *err)
{
    (void)cnv, (void)fn, (void)ctx, (void)old_fn, (void)old_ctx;
    *err = ICU_FILE_ACCESS_ERROR;
}

void ICU(UCNV_TO_U_CALLBACK_STOP)(void)
{
}

void ICU(UCNV_FROM_U_CALLBACK_STOP)(void)
{
}
