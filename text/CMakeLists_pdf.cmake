# SPDX-License-Identifier: ISC
# show's handling of binary documents (reader/read_show.c), the PDF text extractor
# (text/text_pdf.c, poppler through its GLib API) and their tests. Included from the top-level
# CMakeLists.txt with one line, right after quire-read is defined.
# quire_pdf is position-independent so that the text module (a shared MODULE loaded by
# quire-read) can link it.
pkg_check_modules(POPPLER_GLIB IMPORTED_TARGET poppler-glib)
target_sources(quire-read PRIVATE ${PROJECT_SOURCE_DIR}/reader/read_show.c)
target_include_directories(quire-read PRIVATE ${PROJECT_SOURCE_DIR}/text)
if(NOT POPPLER_GLIB_FOUND)
  message(WARNING "poppler-glib not found (libpoppler-glib-dev): show --text cannot read PDFs")
  return()
endif()

add_library(quire_pdf STATIC ${PROJECT_SOURCE_DIR}/text/text_pdf.c)
set_target_properties(quire_pdf PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(quire_pdf PUBLIC ${PROJECT_SOURCE_DIR}/text)
target_link_libraries(quire_pdf PUBLIC PkgConfig::POPPLER_GLIB)

# The text module links the extractor (text/CMakeLists.txt): quire-read itself does not link
# poppler, and reaches it through the module (reader/read_show.c).
# The source, not the static library: the module refers to the extractor weakly (a build
# without poppler has none), and a weak reference pulls no member out of an archive.
if(TARGET quire-text)
  target_sources(quire-text PRIVATE ${PROJECT_SOURCE_DIR}/text/text_pdf.c)
  target_link_libraries(quire-text PRIVATE PkgConfig::POPPLER_GLIB)
endif()

# (the option is declared again further down the top-level file, with the same default)
option(QUIRE_BUILD_TESTS "Build the test suites" ON)
if(QUIRE_BUILD_TESTS AND NOT QUIRE_FUZZ)
  enable_testing()
  pkg_check_modules(PDF_CHECK REQUIRED IMPORTED_TARGET check)
  add_executable(test_pdf ${PROJECT_SOURCE_DIR}/tests/unit/test_pdf.c)
  target_link_libraries(test_pdf PRIVATE quire_pdf PkgConfig::PDF_CHECK)
  target_compile_definitions(test_pdf PRIVATE
    DEBIAN_PDF="/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")
  add_test(NAME unit_pdf COMMAND test_pdf)
  set_tests_properties(unit_pdf PROPERTIES LABELS unit TIMEOUT 120)
  add_test(NAME cli_pdf
           COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cli/pdf.sh $<TARGET_FILE:quire-pack>
                   $<TARGET_FILE:quire-read> ${PROJECT_SOURCE_DIR})
  set_tests_properties(cli_pdf PROPERTIES LABELS cli TIMEOUT 300)
endif()
