# page_embed.cmake - writes the operator's page (IN, src/io/page.html) as a C array into OUT, a
# file of the build tree: cmake -DIN=page.html -DOUT=page_html.c -P page_embed.cmake
# Bytes, not a string literal: no escaping to get wrong and no limit on a literal's length.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR len "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.new"
     "/* Generated from src/io/page.html by src/io/page_embed.cmake; do not edit. */\n"
     "#include \"tagfailover/page.h\"\n\n"
     "const unsigned char page_html[] = {\n${bytes}0x00};\n"
     "const size_t page_html_len = ${len};\n")
file(RENAME "${OUT}.new" "${OUT}")
