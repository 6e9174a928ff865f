# SPDX-License-Identifier: ISC
# quire-read serve (issue 15), kept in a file of its own to ease merging. libmicrohttpd is not
# linked into the reader: serve loads it with dlopen (reader/read_serve.c), so verify and every
# other command run without it; only its header is needed here. The static quire-read cannot
# load it and says that serve is unavailable (reader/read_static.c).
find_path(MHD_INCLUDE_DIR microhttpd.h REQUIRED)
target_sources(quire-read PRIVATE reader/read_serve.c reader/read_serve_pages.c
  reader/read_serve_doc.c reader/read_html.c)
target_include_directories(quire-read PRIVATE ${MHD_INCLUDE_DIR})
if(QUIRE_STATIC)
  set_source_files_properties(reader/read_serve.c PROPERTIES COMPILE_DEFINITIONS
    "dlopen=quire_static_dlopen;dlsym=quire_static_dlsym;dlerror=quire_static_serve_dlerror")
endif()
# The Debian package: dpkg-shlibdeps cannot see a library loaded with dlopen.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libmicrohttpd12")
