#!/usr/bin/env python3
"""i18n/gen_unihan.py - generates the pinyin and simplification tables.

Reads Debian's unicode-data Unihan files (Unihan_Readings.txt.bz2 and
Unihan_Variants.txt.bz2) and writes a C file of sorted arrays that
i18n/fold.c searches by binary search (layout: i18n/unihan.h and
docs/internals/i18n.md).

Readings: kMandarin, then kTGHZ2013, then kHanyuPinyin, toneless,
lower-case, "ü" as "v", without duplicates. Variants: kSimplifiedVariant,
the first value listed; a character listed as one of its own simplified
forms (乾 -> 乾 干) is kept as it is.

Usage: gen_unihan.py UNIHAN_DIR OUTPUT.c
Runs at build time (CMake add_custom_command); python3 standard library only.
"""

import bz2
import os
import sys
import unicodedata

FIELDS = ("kMandarin", "kTGHZ2013", "kHanyuPinyin")

# Readings that are not syllables one types as pinyin: the syllabic nasals
# of interjections (嗯 n, 呣 m, 哼 hng). They stay readings of their
# characters but ph_pinyin_is_syllable() refuses them, so that "nan" is never
# split as n|an. Everything else the data contains is a syllable.
NOT_TYPED_SYLLABLES = {"m", "n", "ng", "hm", "hng"}


def fail(message):
    sys.stderr.write("gen_unihan.py: error: %s\n" % message)
    sys.exit(1)


def open_unihan(directory, name):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        fail("%s not found; the Unihan data comes from Debian's unicode-data "
             "package: apt-get install unicode-data" % path)
    return bz2.open(path, "rt", encoding="utf-8")


def records(handle):
    for line in handle:
        if line.startswith("#") or not line.strip():
            continue
        parts = line.rstrip("\n").split("\t", 2)
        if len(parts) != 3 or not parts[0].startswith("U+"):
            continue
        yield int(parts[0][2:], 16), parts[1], parts[2]


def toneless(reading):
    """'lǘ' -> 'lv', 'Xíng' -> 'xing', 'ê̄' -> 'e'."""
    decomposed = unicodedata.normalize("NFD", reading.strip().lower())
    decomposed = decomposed.replace("u\u0308", "v")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not plain or not all("a" <= ch <= "z" for ch in plain):
        fail("unexpected pinyin reading %r" % reading)
    return plain


def field_readings(field, value):
    out = []
    for item in value.split():
        if field == "kMandarin":
            out.append(item)
        else:
            # kTGHZ2013 "131.140:háng", kHanyuPinyin "20811.060:háng,xìng"
            if ":" not in item:
                fail("unexpected %s value %r" % (field, value))
            out.extend(item.split(":", 1)[1].split(","))
    return [toneless(r) for r in out if r]


def load_readings(directory):
    per_char = {}
    with open_unihan(directory, "Unihan_Readings.txt.bz2") as handle:
        for code_point, field, value in records(handle):
            if field in FIELDS:
                per_char.setdefault(code_point, {})[field] = field_readings(field, value)
    readings = {}
    for code_point, fields in per_char.items():
        ordered = []
        for field in FIELDS:
            for reading in fields.get(field, ()):
                if reading not in ordered:
                    ordered.append(reading)
        readings[code_point] = ordered
    return readings


def load_simplified(directory):
    simplified = {}
    with open_unihan(directory, "Unihan_Variants.txt.bz2") as handle:
        for code_point, field, value in records(handle):
            if field != "kSimplifiedVariant":
                continue
            targets = [int(v[2:].split("<")[0], 16) for v in value.split()]
            if code_point in targets:
                continue
            simplified[code_point] = targets[0]
    # Folding must be idempotent: follow chains (a -> b -> c) to the end.
    for code_point in list(simplified):
        seen = {code_point}
        target = simplified[code_point]
        while target in simplified and target not in seen:
            seen.add(target)
            target = simplified[target]
        simplified[code_point] = target
    return simplified


def c_array(name, ctype, values, per_line=12, fmt="%d"):
    lines = ["const %s %s[%d] = {" % (ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(fmt % v for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        fail("usage: gen_unihan.py UNIHAN_DIR OUTPUT.c")
    directory, output = sys.argv[1], sys.argv[2]
    readings = load_readings(directory)
    simplified = load_simplified(directory)

    syllables = sorted({r for rs in readings.values() for r in rs})
    syllable_id = {s: i for i, s in enumerate(syllables)}
    if len(syllables) > 65535:
        fail("too many distinct readings: %d" % len(syllables))

    # Reading lists are shared: most characters have a list another has.
    pool = []
    list_offset = {}
    reading_cps = sorted(readings)
    reading_at = []
    for code_point in reading_cps:
        key = tuple(syllable_id[r] for r in readings[code_point])
        if key not in list_offset:
            list_offset[key] = len(pool)
            pool.append(len(key))
            pool.extend(key)
        reading_at.append(list_offset[key])
    if len(pool) > 65535:
        fail("reading list pool too large: %d" % len(pool))
    if max(len(rs) for rs in readings.values()) > 255:
        fail("a character has more than 255 readings")

    simplified_from = sorted(simplified)
    simplified_to = [simplified[c] for c in simplified_from]
    typed = [0 if s in NOT_TYPED_SYLLABLES else 1 for s in syllables]

    parts = [
        "/* Generated by i18n/gen_unihan.py from Unihan (Debian unicode-data). Do not edit. */",
        "#include \"i18n/unihan.h\"",
        "",
        "const char *const ph_unihan_syllables[%d] = {" % len(syllables),
    ]
    for i in range(0, len(syllables), 8):
        parts.append("    " + " ".join("\"%s\"," % s for s in syllables[i:i + 8]))
    parts.append("};")
    parts.append("const size_t ph_unihan_syllable_count = %d;" % len(syllables))
    parts.append(c_array("ph_unihan_syllable_typed", "uint8_t", typed, 32))
    parts.append(c_array("ph_unihan_reading_cp", "uint32_t", reading_cps, 10, "0x%X"))
    parts.append(c_array("ph_unihan_reading_at", "uint16_t", reading_at, 14))
    parts.append("const size_t ph_unihan_reading_count = %d;" % len(reading_cps))
    parts.append(c_array("ph_unihan_reading_pool", "uint16_t", pool, 14))
    parts.append("const size_t ph_unihan_reading_pool_size = %d;" % len(pool))
    parts.append(c_array("ph_unihan_simplified_from", "uint32_t", simplified_from, 10, "0x%X"))
    parts.append(c_array("ph_unihan_simplified_to", "uint32_t", simplified_to, 10, "0x%X"))
    parts.append("const size_t ph_unihan_simplified_count = %d;" % len(simplified_from))

    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    temporary = output + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write("\n".join(parts) + "\n")
    os.replace(temporary, output)
    print("gen_unihan.py: %d characters with readings, %d distinct readings, "
          "pool %d, %d simplifications" % (len(reading_cps), len(syllables), len(pool),
                                           len(simplified_from)))


if __name__ == "__main__":
    main()
