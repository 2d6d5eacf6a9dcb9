/**
 * A pprof profile's string table exactly as written. pprof-format decodes each string with a
 * default TextDecoder, which drops a leading U+FEFF (byte order mark): a function named
 * "\ufeffx" came back as "x". The message's top-level fields are walked (no other field is
 * decoded) and each string_table entry (field 6) decoded keeping every character. Null for
 * bytes that are not a well-formed message: the caller keeps what the library read.
 */
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });
const STRING_TABLE = 6;

export function pprofStrings(bytes: Uint8Array): string[] | null {
  const strings: string[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 1; pos < bytes.length && shift < 2 ** 63; shift *= 128) {
      const b = bytes[pos++];
      value += (b & 0x7f) * shift;
      if (b < 0x80) return value;
    }
    return -1;
  };
  while (pos < bytes.length) {
    const key = varint();
    if (key < 0) return null;
    const wire = key % 8;
    if (wire === 0) {
      if (varint() < 0) return null;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const length = varint();
      if (length < 0 || pos + length > bytes.length) return null;
      if (Math.floor(key / 8) === STRING_TABLE) strings.push(DECODER.decode(bytes.subarray(pos, pos + length)));
      pos += length;
    } else return null;
  }
  return pos === bytes.length ? strings : null;
}
