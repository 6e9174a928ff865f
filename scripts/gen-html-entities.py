#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes text/text_entities.h: HTML's named character references (the WHATWG list, as
Python's html.entities.html5 carries it), those ending in ';', sorted by name for bsearch.
libxml2's HTML parser decodes only HTML 4's 253; text_html.c looks the others up here.
Run: python3 scripts/gen-html-entities.py >text/text_entities.h (cli_text_layer checks that
the committed file is what this writes)."""
import html.entities


def c_string(b):
    return '"' + "".join("\\x%02X" % c for c in b) + '"'


def main():
    names = sorted(k[:-1] for k in html.entities.html5 if k.endswith(";"))
    print("/* SPDX-License-Identifier: ISC */")
    print("/* text_entities.h: written by scripts/gen-html-entities.py from the WHATWG list of")
    print(" * named character references (Python's html.entities.html5); do not edit. */")
    print("#ifndef TEXT_ENTITIES_H")
    print("#define TEXT_ENTITIES_H")
    print()
    print("#define TEXT_ENTITY_NAME_MAX %d" % max(len(n) for n in names))
    print()
    print("typedef struct text_entity {")
    print("    const char *name; /* without '&' and ';' */")
    print("    const char *utf8; /* what it stands for */")
    print("} text_entity;")
    print()
    print("static const text_entity text_entities[%d] = {" % len(names))
    for n in names:
        print('    {"%s", %s},' % (n, c_string(html.entities.html5[n + ";"].encode())))
    print("};")
    print()
    print("#endif")


main()
