"""lz-string's decompressFromBase64, which older posthog-js bodies need (`compression=lz64`).

The PyPI packages for it are unmaintained (the last lzstring release is from 2018), and
the decoder is short. Unlike the JavaScript original it refuses bad input instead of
returning null, and stops at `max_chars`: a few kilobytes of codes can expand to
gigabytes (each code may repeat everything decoded so far), so the bound is checked as the
text grows, and the dictionary, built from the output, stays as small.
"""

BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Each base64 character carries 6 bits ('=', padding, reads as none set).
CHAR_BITS = {char: format(value % 64, "06b") for value, char in enumerate(BASE64_ALPHABET)}
# The codes that are not dictionary entries: an 8-bit character, a 16-bit one, the end.
CHAR_8, CHAR_16, END = 0, 1, 2


class LzStringError(ValueError):
    """The text is not lz-string base64."""


class LzStringTooLong(LzStringError):  # noqa: N818 - what the text is
    """The text decodes to more characters than allowed."""


class BitReader:
    """Reads lz-string's variable-width codes from base64 text: each character's 6 bits from
    the highest down, each code's bits from its lowest up. The text is spelt out once as
    '0'/'1' characters, so a code costs one slice, not a step per bit.
    """

    def __init__(self, text: str):
        try:
            self.bits = "".join(CHAR_BITS[char] for char in text)
        except KeyError:
            raise LzStringError("not lz-string base64 text") from None
        self.position = 0

    def read(self, width: int) -> int:
        """The next `width` bits as a number; past the end of the text is an error."""
        end = self.position + width
        if end > len(self.bits):
            raise LzStringError("lz-string text ends in the middle of a code")
        number = int(self.bits[self.position:end][::-1], 2)
        self.position = end
        return number


def decompress_from_base64(text: str, max_chars: int) -> str:
    """The text lz-string's compressToBase64 made `text` from; LzStringError when it is
    not such text, LzStringTooLong when it would decode to more than `max_chars` characters.
    """
    text = text.strip()
    if not text:
        raise LzStringError("empty lz-string text")
    reader = BitReader(text)
    dictionary: list[str] = ["", "", ""]  # codes 0-2 are the markers above
    width = 2
    first = reader.read(width)
    if first == END:
        return ""
    if first not in (CHAR_8, CHAR_16):
        raise LzStringError("lz-string text does not start with a character")
    previous = chr(reader.read(8 if first == CHAR_8 else 16))
    dictionary.append(previous)
    output = [previous]
    size = len(previous)
    width = 3
    enlarge_in = 4
    while True:
        code = reader.read(width)
        if code == END:
            return joined_utf16("".join(output))
        if code in (CHAR_8, CHAR_16):
            dictionary.append(chr(reader.read(8 if code == CHAR_8 else 16)))
            code = len(dictionary) - 1
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in, width = 1 << width, width + 1
        if code < len(dictionary):
            entry = dictionary[code]
        elif code == len(dictionary):
            entry = previous + previous[0]
        else:
            raise LzStringError("lz-string code refers past its dictionary")
        size += len(entry)
        if size > max_chars:
            raise LzStringTooLong(f"lz-string text decodes to more than {max_chars} characters")
        output.append(entry)
        dictionary.append(previous + entry[0])
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in, width = 1 << width, width + 1
        previous = entry


def joined_utf16(units: str) -> str:
    """JavaScript strings are UTF-16 code units: a character outside the BMP arrives as two
    surrogate halves, joined here; a lone half cannot be stored, so it is refused.
    """
    try:
        return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise LzStringError("lz-string text holds half of a surrogate pair") from None
